#!/bin/sh
# After removal (.deb postrm and .rpm %postun): drop the scheme handler and icon from the caches
# so nothing points at the removed binary. Per-user files (settings, stored events, the keychain
# entry) are left alone, as packaging policy wants; the README says how to remove them.
set -e
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q /usr/share/applications || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f /usr/share/icons/hicolor/index.theme ]; then
  gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
exit 0
