#!/bin/bash
# test_dns.sh against the ASan/UBSan build of privlinkd (build/privlinkd-san):
# the same checks, and no sanitizer report in its log at the end.
exec bash "$(dirname "$0")/test_dns.sh" san
