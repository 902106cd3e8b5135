#!/bin/sh
# vmesh %post: reload systemd. Services are never enabled or started here.
# $1: 1 = install, 2 = upgrade.
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || :
fi
if [ "$1" -eq 1 ]; then
  echo "vmesh: installed; vmesh-agent and vmesh-server are not enabled or started."
  echo "vmesh: to onboard this VM, copy the files made by 'vmesh workload entry configure' into"
  echo "vmesh: /etc/vmesh (install -o root -g vmesh -m 0640 FILES /etc/vmesh/), then run"
  echo "vmesh:   systemctl enable --now vmesh-agent"
fi
exit 0
