# nginx.sh - Debian's nginx in front of OpenSearch at OPENSEARCH_URL (/es),
# TLS with a self-signed CA made on first start (OPENSEARCH_CA) and basic
# auth (sourced by stack.sh). Debian's system service is not used.

NGINX_DIR=$STACK_DIR/nginx
TLS_DIR=$STACK_DIR/tls

nginx_tls() {
  [ -f "$TLS_DIR/server.pem" ] && return 0
  mkdir -p "$TLS_DIR"
  (
    cd "$TLS_DIR"
    openssl req -x509 -newkey rsa:2048 -nodes -days 3650 -subj "/CN=spider local test CA" \
      -keyout ca.key -out ca.pem
    openssl req -newkey rsa:2048 -nodes -subj "/CN=localhost" -keyout server.key -out server.csr
    printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\nextendedKeyUsage=serverAuth\n' > san.ext
    openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -days 3650 \
      -extfile san.ext -out server.pem
    chmod 600 ca.key server.key
    chmod 644 ca.pem server.pem
  ) >>"$LOGS/nginx.log" 2>&1 || die "nginx: making the test CA failed (see $LOGS/nginx.log)"
}

nginx_render() {
  local hostport=${OPENSEARCH_URL#https://} user_line=""
  hostport=${hostport%%/*}
  mkdir -p "$NGINX_DIR/tmp"
  if [ "$(id -u)" -eq 0 ]; then
    stack_priv
    user_line="user $STACK_USER;"
    own_by_stack_user "$NGINX_DIR/tmp"
  fi
  printf '%s:%s\n' "$OPENSEARCH_USER" "$(openssl passwd -apr1 "$OPENSEARCH_PASSWORD")" > "$NGINX_DIR/htpasswd"
  chmod 644 "$NGINX_DIR/htpasswd"
  sed -e "s|@NGINX_DIR@|$NGINX_DIR|g" -e "s|@LOGS@|$LOGS|g" -e "s|@TLS@|$TLS_DIR|g" \
      -e "s|@LISTEN@|$hostport|g" -e "s|@UPSTREAM@|${OPENSEARCH_DIRECT_URL#http://}|g" \
      -e "s|@USER_LINE@|$user_line|g" "$HERE/nginx.conf.in" > "$NGINX_DIR/nginx.conf"
}

nginx_health() {
  http_ok --cacert "$OPENSEARCH_CA" -u "$OPENSEARCH_USER:$OPENSEARCH_PASSWORD" "$OPENSEARCH_URL/_cluster/health"
}

nginx_start() {
  pid_of nginx >/dev/null && return 0
  command -v nginx >/dev/null || die "nginx: not installed (deploy/install-deps.sh)"
  nginx_tls
  nginx_render
  nginx -t -q -e "$LOGS/nginx-error.log" -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR" >>"$LOGS/nginx.log" 2>&1 ||
    die "nginx: configuration rejected (see $LOGS/nginx.log)"
  spawn nginx nginx -e "$LOGS/nginx-error.log" -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR" -g 'daemon off;'
}

nginx_wait() { wait_until 60 nginx nginx_health; }
nginx_stop() { stop_pid nginx 10; }
nginx_status() { echo "nginx          $OPENSEARCH_URL -> OpenSearch (TLS, CA $OPENSEARCH_CA, basic auth)"; }
