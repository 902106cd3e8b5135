#!/bin/sh
# vmesh %preun: on erase (not upgrade) stop and disable the services, as Fedora's %systemd_preun does.
# $1: 0 = erase, 1 = upgrade (this is the old package's script).
if [ "$1" -eq 0 ] && [ -d /run/systemd/system ]; then
  systemctl --no-reload disable --now vmesh-agent.service vmesh-server.service \
    vmesh-gateway.service >/dev/null 2>&1 || :
fi
exit 0
