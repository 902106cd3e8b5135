#!/bin/sh
# vmesh %postun: reload systemd; after an upgrade restart the services that are running (stopped
# ones stay stopped). The vmesh user, /etc/vmesh and the state in /var/lib/vmesh are never removed.
# $1: 0 = erase, 1 = upgrade (this is the old package's script, run after the new files are in place).
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || :
  if [ "$1" -ge 1 ]; then
    systemctl try-restart vmesh-agent.service vmesh-server.service vmesh-gateway.service >/dev/null 2>&1 || :
  fi
fi
exit 0
