# nginx.sh - Debian's nginx in front of OpenSearch at OPENSEARCH_URL (/es),
# TLS with a self-signed CA made on first start (OPENSEARCH_CA) and basic
# auth (sourced by stack.sh). Debian's system service is not used.

NGINX_DIR=$STACK_DIR/nginx

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
  cluster_ok "$OPENSEARCH_URL" --cacert "$OPENSEARCH_CA" -u "$OPENSEARCH_USER:$OPENSEARCH_PASSWORD"
}

nginx_start() {
  pid_of nginx >/dev/null && return 0
  command -v nginx >/dev/null || die "nginx: not installed (deploy/install-deps.sh)"
  stack_tls
  nginx_render
  nginx -t -q -e "$LOGS/nginx-error.log" -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR" >>"$LOGS/nginx.log" 2>&1 ||
    die "nginx: configuration rejected (see $LOGS/nginx.log)"
  spawn nginx nginx -e "$LOGS/nginx-error.log" -c "$NGINX_DIR/nginx.conf" -p "$NGINX_DIR" -g 'daemon off;'
}

nginx_wait() { wait_until 60 nginx nginx_health; }
nginx_stop() { stop_pid nginx 10; }
nginx_status() { echo "nginx          $OPENSEARCH_URL -> OpenSearch (TLS, CA $OPENSEARCH_CA, basic auth)"; }
