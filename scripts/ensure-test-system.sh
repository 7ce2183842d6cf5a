#!/usr/bin/env bash
# Make sure the system packages the tests need are present: Chromium for the browser tests,
# a font with Chinese glyphs, gettext for the translation check, slapd and the LDAP headers;
# with the argument `bench`, wrk and hey for the load benchmarks instead; with `drill`,
# redis-server for `make drill`. As root on Debian or Ubuntu they are
# installed; elsewhere we say exactly what is missing.
set -euo pipefail

missing=()
if [ "${1:-}" = "bench" ]; then
  command -v wrk >/dev/null 2>&1 || missing+=(wrk)
  command -v hey >/dev/null 2>&1 || missing+=(hey)
elif [ "${1:-}" = "drill" ]; then
  command -v redis-server >/dev/null 2>&1 || missing+=(redis-server)
else
  [ -x /usr/bin/chromium ] || missing+=(chromium)
  fc-list 2>/dev/null | grep -qi "wenquanyi\|wqy" || missing+=(fonts-wqy-microhei)
  command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
  command -v xgettext >/dev/null 2>&1 || missing+=(gettext)
  # OpenLDAP's server for the single sign-on tests, and what python-ldap builds against
  # (it has no wheel on PyPI).
  [ -x /usr/sbin/slapd ] || missing+=(slapd)
  [ -f /usr/include/ldap.h ] || missing+=(libldap2-dev)
  [ -f /usr/include/sasl/sasl.h ] || missing+=(libsasl2-dev)
fi

if [ ${#missing[@]} -eq 0 ]; then
  exit 0
fi
packages=$(printf '%s\n' "${missing[@]}" | sort -u | tr '\n' ' ')
if [ "$(id -u)" = "0" ] && command -v apt-get >/dev/null 2>&1; then
  echo "Installing system packages: $packages"
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  # shellcheck disable=SC2086
  apt-get install -y -qq --no-install-recommends $packages fontconfig >/dev/null
  exit 0
fi
echo "These system packages are needed and missing: $packages" >&2
echo "On Debian or Ubuntu: sudo apt-get install --no-install-recommends $packages" >&2
exit 1
