/*
 * TCP options of a segment in lwIP's input hook, which lwIP may have split
 * over two pbufs (the header's and the next).
 */
#include "lwip/priv/tcp_priv.h"
#include "lwip/tcp.h"

#include "ns_tcp_opts.h"

static u8_t
ns_tcp_optbyte(const struct tcp_hdr *hdr, u16_t opt1len, const u8_t *opt2, u16_t i)
{
	if (opt2 == NULL || i < opt1len)
		return ((const u8_t *)hdr)[TCP_HLEN + i];
	return opt2[i - opt1len];
}

int
ns_tcp_opt_get(const struct tcp_hdr *hdr, u16_t optlen, u16_t opt1len, const u8_t *opt2,
    u8_t kind, u8_t *out, size_t max)
{
	for (u16_t i = 0; i < optlen;) {
		u8_t k = ns_tcp_optbyte(hdr, opt1len, opt2, i), len;

		if (k == NS_TCP_OPT_END)
			return -1;
		if (k == NS_TCP_OPT_NOP) {
			i++;
			continue;
		}
		if (i + 1 >= optlen)
			return -1;
		len = ns_tcp_optbyte(hdr, opt1len, opt2, (u16_t)(i + 1));
		if (len < 2 || i + len > optlen)
			return -1;	/* malformed: nothing past it is read */
		if (k == kind) {
			size_t n = (size_t)len - 2 < max ? (size_t)len - 2 : max;

			for (size_t j = 0; j < n; j++)
				out[j] = ns_tcp_optbyte(hdr, opt1len, opt2, (u16_t)(i + 2 + j));
			return len - 2;
		}
		i = (u16_t)(i + len);
	}
	return -1;
}
