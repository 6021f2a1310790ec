#!/bin/sh
# Print command for ippeveprinter (-c): the job is "printed" when this exits 0. Without a command,
# ippeveprinter pretends to print for a random 5-15 s, which hides real timing. A test or the demo
# may put a number of seconds in "engine-delay" beside the spooled file to make printing slow.
dir=$(dirname "$1")
if [ -f "$dir/engine-delay" ]; then
  sleep "$(cat "$dir/engine-delay")"
fi
exit 0
