#!/bin/sh
# vmesh %post: create the gateway's user, reload systemd. Services are never enabled or started here.
# $1: 1 = install, 2 = upgrade. vmesh and vmesh-agent share these scriptlets.
# Package vmesh (the one with vmesh-gateway.service) runs the gateway as a user of its own, which cannot
# read the server's or the agent's keys. Made here, not in %pre: no file of the package belongs to it
# (systemd makes its state directory), and only here does the unit tell the packages apart.
if [ -f /usr/lib/systemd/system/vmesh-gateway.service ]; then
  getent group vmesh-gateway >/dev/null || groupadd -r vmesh-gateway
  getent passwd vmesh-gateway >/dev/null || \
    useradd -r -g vmesh-gateway -d /var/lib/vmesh-gateway -M -s /sbin/nologin -c "vmesh gateway" vmesh-gateway
fi
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload >/dev/null 2>&1 || :
fi
if [ "$1" -eq 1 ]; then
  echo "vmesh: installed; vmesh-agent and vmesh-server are not enabled or started."
  if [ -f /usr/lib/systemd/system/vmesh-gateway.service ]; then
    echo "vmesh: nor is vmesh-gateway, the east-west gateway (settings in /etc/sysconfig/vmesh-gateway)."
  fi
  echo "vmesh: to onboard this VM, copy the files made by 'vmesh workload entry configure' into"
  echo "vmesh: /etc/vmesh (install -o root -g vmesh -m 0640 FILES /etc/vmesh/), then run"
  echo "vmesh:   systemctl enable --now vmesh-agent"
fi
exit 0
