/*
 * libFuzzer harness for the INI loader: any bytes as a drop file must
 * give a count of errors, never a crash, leak or undefined behaviour.
 */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cfg.h"

static char dir[64];
static char path[96];
static FILE *devnull;
static struct pl_config *cfg;

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int
LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	FILE *f;

	if (cfg == NULL) {
		snprintf(dir, sizeof(dir), "/tmp/privlink-fuzz.XXXXXX");
		if (mkdtemp(dir) == NULL)
			abort();
		snprintf(path, sizeof(path), "%s/10-fuzz.ini", dir);
		devnull = fopen("/dev/null", "w");
		cfg = calloc(1, sizeof(*cfg));
		if (devnull == NULL || cfg == NULL)
			abort();
	}
	if ((f = fopen(path, "w")) == NULL)
		abort();
	fwrite(data, 1, size, f);
	fclose(f);
	cfg_load_dir(cfg, dir, devnull);
	return 0;
}
