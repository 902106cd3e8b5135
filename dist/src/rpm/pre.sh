#!/bin/sh
# vmesh %pre: create the vmesh system user and group before the files are laid down, so that
# /etc/vmesh (root:vmesh) and /var/lib/vmesh (vmesh:vmesh) get their owners from the package.
# $1: 1 = install, 2 = upgrade.
getent group vmesh >/dev/null || groupadd -r vmesh
getent passwd vmesh >/dev/null || \
  useradd -r -g vmesh -d /var/lib/vmesh -M -s /sbin/nologin -c "vmesh service mesh" vmesh
exit 0
