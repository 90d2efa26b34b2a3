#!/bin/sh
# nginx-conf.sh DIR PORT - write DIR/nginx.conf for a test nginx on
# 127.0.0.1:PORT serving DIR/www over TLS (DIR/srv.pem, DIR/srv.key) with
# every path nginx writes inside DIR, so it runs as the test's user:
#   /pub/      WebDAV PUT and DELETE, GET (ETag, Range, 304)
#   /auth/     the same behind basic auth (DIR/htpasswd)
#   /small/    PUT of at most 100 bytes (413 above)
#   /busy/     503 with Retry-After: 1
#   /to-http/  302 to http://
#   /to-pub/   307 to /pub/ on the same server
#   /slow/     GET at 2 KB/s
#   /mtls/     WebDAV PUT and GET for a client certificate of DIR/ca.pem
#              only (403 without one)
# nginx-conf.sh DIR PORT SERVER: the same frame around the server block in
# the file SERVER instead (its listen line and paths the caller's).
set -eu
dir=$1 port=$2 server=${3:-}
mkdir -p "$dir/www/pub" "$dir/www/auth" "$dir/www/small" "$dir/www/slow" \
	"$dir/www/mtls" \
	"$dir/tmp"
cat >"$dir/nginx.conf" <<CONF
daemon off;
master_process off;
worker_processes 1;
pid $dir/nginx.pid;
error_log $dir/error.log info;
events { worker_connections 64; }
http {
	access_log $dir/access.log;
	client_body_temp_path $dir/tmp/body;
	proxy_temp_path $dir/tmp/proxy;
	fastcgi_temp_path $dir/tmp/fastcgi;
	uwsgi_temp_path $dir/tmp/uwsgi;
	scgi_temp_path $dir/tmp/scgi;
	default_type application/octet-stream;
	sendfile on;
CONF
if [ -n "$server" ]; then
	cat "$server" >>"$dir/nginx.conf"
	echo "}" >>"$dir/nginx.conf"
	exit 0
fi
cat >>"$dir/nginx.conf" <<CONF
	server {
		listen 127.0.0.1:$port ssl;
		server_name localhost;
		ssl_certificate $dir/srv.pem;
		ssl_certificate_key $dir/srv.key;
		ssl_protocols TLSv1.2 TLSv1.3;
		ssl_client_certificate $dir/ca.pem;
		ssl_verify_client optional;
		root $dir/www;
		client_max_body_size 0;
		location /pub/ {
			dav_methods PUT DELETE;
			create_full_put_path on;
			dav_access user:rw group:r all:r;
		}
		location /auth/ {
			dav_methods PUT DELETE;
			create_full_put_path on;
			auth_basic "cti";
			auth_basic_user_file $dir/htpasswd;
		}
		location /small/ {
			dav_methods PUT;
			create_full_put_path on;
			client_max_body_size 100;
		}
		location /busy/ {
			add_header Retry-After 1 always;
			return 503;
		}
		location /to-http/ {
			return 302 http://127.0.0.1:$port/pub/;
		}
		location ~ ^/to-pub/(.*)\$ {
			return 307 https://127.0.0.1:$port/pub/\$1;
		}
		location /slow/ {
			limit_rate 2k;
		}
		location /mtls/ {
			if (\$ssl_client_verify != SUCCESS) {
				return 403;
			}
			dav_methods PUT;
			create_full_put_path on;
		}
	}
}
CONF
