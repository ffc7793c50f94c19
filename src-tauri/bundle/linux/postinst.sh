#!/bin/sh
# After install/upgrade (.deb postinst and .rpm %post): refresh the MIME cache so
# x-scheme-handler/twitch-event-viewer resolves to the installed desktop entry at once, and the
# icon cache so menus show the icon. Debian's desktop-file-utils and GTK triggers do the same
# later; doing it here makes the link handler work the moment the install returns.
# Never fail the install over a cache.
set -e
if command -v update-desktop-database >/dev/null 2>&1; then
  update-desktop-database -q /usr/share/applications || true
fi
if command -v gtk-update-icon-cache >/dev/null 2>&1 && [ -f /usr/share/icons/hicolor/index.theme ]; then
  gtk-update-icon-cache -q -t -f /usr/share/icons/hicolor || true
fi
exit 0
