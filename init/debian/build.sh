#!/bin/sh
# `npm run package`: builds dist-deb/quiesce_<version>_all.deb from this checkout with dpkg-deb,
# offline: the built program is one file (dist/quiesce.cjs, the bundle of quiesce and its production
# dependencies that `npm run build` makes, with its entry dist/boot.cjs and its V8 code cache), so
# neither building nor installing needs the network and no node_modules is installed.
#
#   /usr/lib/quiesce/            dist/{boot.cjs,quiesce.cjs,quiesce.cjs.cache}, package.json, init/quiesce (the launcher)
#   /usr/bin/quiesce             -> /usr/lib/quiesce/init/quiesce
#   /lib/systemd/system/quiesce.service, /etc/init.d/quiesce
#   /etc/quiesce/cyrus.yaml      a conffile: dpkg never overwrites an administrator's copy
#   /usr/share/doc/quiesce/      README.md, examples/ (conf/), THIRD-PARTY (the bundled packages' licenses)
set -eu
cd "$(dirname "$0")/../.."
[ -f dist/quiesce.cjs ] && [ -f dist/boot.cjs ] || { echo "build first: npm run build" >&2; exit 1; }
version=$(node -p 'require("./package.json").version')
out=dist-deb
root=$out/root
rm -rf "$out"
lib=$root/usr/lib/quiesce
doc=$root/usr/share/doc/quiesce
mkdir -p "$lib/init" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/init.d" "$root/etc/quiesce" "$doc" "$root/DEBIAN"

# the program: its entry, the bundle and its code cache (used when the installed Node is the one
# that built it: V8 checks, and compiles afresh otherwise), and package.json (its version)
mkdir -p "$lib/dist"
install -m 0755 dist/boot.cjs "$lib/dist/boot.cjs"
install -m 0644 dist/quiesce.cjs "$lib/dist/quiesce.cjs"
[ -f dist/quiesce.cjs.cache ] && install -m 0644 dist/quiesce.cjs.cache "$lib/dist/quiesce.cjs.cache"
install -m 0644 package.json "$lib/package.json"
# the license of every production dependency bundled into dist/quiesce.cjs
npm ls --omit=dev --all --parseable 2>/dev/null | tail -n +2 | sort -u | while read -r dir; do
    printf '%s\n\n' "$(node -p 'const p = require(process.argv[1] + "/package.json"); `${p.name} ${p.version} (${p.license ?? "see below"})`' "$dir")"
    for f in "$dir"/LICENSE* "$dir"/LICENCE* "$dir"/license*; do [ -f "$f" ] && cat "$f"; done
    printf '\n\n'
done > "$doc/THIRD-PARTY"
install -m 0755 init/quiesce "$lib/init/quiesce"
ln -s ../lib/quiesce/init/quiesce "$root/usr/bin/quiesce"

# init, config, docs
install -m 0644 init/quiesce.service "$root/lib/systemd/system/quiesce.service"
install -m 0755 init/quiesce.sysv "$root/etc/init.d/quiesce"
install -m 0644 conf/cyrus.yaml "$root/etc/quiesce/cyrus.yaml"
install -m 0644 README.md "$doc/README.md"
cp -R conf "$doc/examples"
chmod -R u=rwX,go=rX "$root/usr" "$root/etc" "$root/lib"
chmod 0755 "$doc"/examples/demo/*.mjs

# control files
size=$(du -sk "$root" | cut -f1)
sed -e "s/@VERSION@/$version/" -e "s/@SIZE@/$size/" init/debian/control.in > "$root/DEBIAN/control"
install -m 0644 init/debian/conffiles "$root/DEBIAN/conffiles"
install -m 0755 init/debian/postinst "$root/DEBIAN/postinst"
install -m 0755 init/debian/postrm "$root/DEBIAN/postrm"

dpkg-deb --root-owner-group --build "$root" "$out/quiesce_${version}_all.deb" >/dev/null
rm -rf "$root"
echo "$out/quiesce_${version}_all.deb"
