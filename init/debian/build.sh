#!/bin/sh
# `npm run package`: builds dist-deb/quiesce_<version>_all.deb from this checkout with dpkg-deb,
# offline: the built program (dist/) and the production dependencies already in node_modules
# (npm prune --omit=dev --offline), so neither building nor installing needs the network.
#
#   /usr/lib/quiesce/            dist/, node_modules/, package.json, init/quiesce (the launcher)
#   /usr/bin/quiesce             -> /usr/lib/quiesce/init/quiesce
#   /lib/systemd/system/quiesce.service, /etc/init.d/quiesce
#   /etc/quiesce/cyrus.yaml      a conffile: dpkg never overwrites an administrator's copy
#   /usr/share/doc/quiesce/      README.md, examples/ (conf/)
set -eu
cd "$(dirname "$0")/../.."
[ -f dist/cli.js ] || { echo "build first: npm run build" >&2; exit 1; }
version=$(node -p 'require("./package.json").version')
out=dist-deb
root=$out/root
rm -rf "$out"
lib=$root/usr/lib/quiesce
doc=$root/usr/share/doc/quiesce
mkdir -p "$lib/init" "$root/usr/bin" "$root/lib/systemd/system" "$root/etc/init.d" "$root/etc/quiesce" "$doc" "$root/DEBIAN"

# the program: dist without the benchmark build, and the production dependencies only
mkdir -p "$lib/dist"
(cd dist && find . -path ./bench -prune -o -type f ! -name '*.map' -print) | while read -r f; do
    mkdir -p "$lib/dist/$(dirname "$f")"
    cp "dist/$f" "$lib/dist/$f"
done
chmod 0755 "$lib/dist/cli.js"
cp package.json package-lock.json "$lib/"
cp -R node_modules "$lib/node_modules"
(cd "$lib" && npm prune --omit=dev --offline --no-audit --no-fund --loglevel=error >/dev/null)
rm -rf "$lib/package-lock.json" "$lib/node_modules/.bin" "$lib/node_modules/.vite" "$lib/node_modules/.vite-temp" "$lib/node_modules/.cache" "$lib/node_modules/.package-lock.json"
find "$lib/node_modules" -depth -type d -empty -delete
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
