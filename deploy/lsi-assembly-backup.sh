#!/bin/sh
# Back up the LSI Assembly database, delete old local copies, copy the folder off the machine.
# Run by lsi-assembly-backup.service with /etc/lsi-assembly/env loaded (docs/deployment.md, "Backups").
#   APP_DIR, VENV     the application and its virtualenv (default /srv/lsi-assembly/app and .../venv)
#   BACKUP_DIR        where the files go (default /var/backups/lsi-assembly)
#   BACKUP_KEEP_DAYS  local copies older than this are deleted (default 14; erased data leaves the backups with them)
#   BACKUP_OFFSITE    an rsync destination, e.g. backup@store.example.org:lsi-assembly/ (unset: no copy)
set -eu

APP_DIR=${APP_DIR:-/srv/lsi-assembly/app}
VENV=${VENV:-/srv/lsi-assembly/venv}
BACKUP_DIR=${BACKUP_DIR:-/var/backups/lsi-assembly}
BACKUP_KEEP_DAYS=${BACKUP_KEEP_DAYS:-14}

cd "$APP_DIR"
file="$BACKUP_DIR/assembly-$(date -u +%Y%m%dT%H%M%SZ).dump"
"$VENV/bin/flask" --app wsgi backup --out "$file"
find "$BACKUP_DIR" -maxdepth 1 -name 'assembly-*.dump' -type f -mtime +"$BACKUP_KEEP_DAYS" -delete
if [ -n "${BACKUP_OFFSITE:-}" ]; then
    # --delete: a copy deleted here (older than BACKUP_KEEP_DAYS) goes off-site too.
    rsync --archive --delete --timeout=300 -e "ssh -o BatchMode=yes" "$BACKUP_DIR/" "$BACKUP_OFFSITE"
fi
