# common.bash: helpers every integration suite shares (helpers.bash,
# sec-helpers.bash, clients-helpers.bash source it).

# The deepest of our own cgroup paths (on a hybrid host the others are prefixes of it).
own_cgroup_base() {
	local best=/ p
	while IFS=: read -r _ _ p; do
		[ "${#p}" -gt "${#best}" ] && best=$p
	done </proc/self/cgroup
	echo "${best%/}"
}

# Every mount point of a cgroup (v1 or v2) hierarchy.
cgroup_mounts() {
	awk '{ for (i = 7; i < NF; i++) if ($i == "-") break }
	     $(i + 1) == "cgroup" || $(i + 1) == "cgroup2" { print $5 }' /proc/self/mountinfo | sort -u
}

# json_array ARG...: a JSON array of strings (one --arg each: jq's --args would eat "-c").
json_array() {
	local j='[]' a
	for a in "$@"; do j=$(jq -c --arg x "$a" '. + [$x]' <<<"$j"); done
	echo "$j"
}
