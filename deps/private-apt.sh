# A private apt state under the build cache, so that the build can read
# Debian indexes (trixie's sources, bookworm's kernels) without touching
# the system's apt setup.  Sourced by deps/fetch.sh and image/kernel.sh.
#
#   private_apt_init DIR            sets apt_opts to a state kept under DIR
#   private_apt_update WHAT NAME    (once per run) writes DIR/sources/NAME.sources
#                                   from stdin and updates the index; WHAT
#                                   names it in messages
# Both need die and say from the caller.

private_apt_init() {
	aptdir=$1
	apt_opts=(-o Dir::Etc::SourceList=/dev/null -o "Dir::Etc::SourceParts=$aptdir/sources"
		-o "Dir::State::Lists=$aptdir/lists" -o "Dir::Cache=$aptdir/cache"
		-o "Dir::State::status=/var/lib/dpkg/status" -o APT::Architecture=amd64
		-o "APT::Sandbox::User=$(id -un)" -o Debug::NoLocking=1)
	apt_ready=0
}

private_apt_update() {
	[ "$apt_ready" = 1 ] && return 0
	command -v apt-get >/dev/null || die "apt-get not found: a Debian machine is needed to fetch $1"
	mkdir -p "$aptdir/sources" "$aptdir/lists/partial" "$aptdir/cache/archives/partial"
	cat > "$aptdir/sources/$2.sources"
	say "updating the private $1 index in $aptdir"
	apt-get "${apt_opts[@]}" -qq update >&2 || die "apt-get update of the $1 index failed"
	apt_ready=1
}
