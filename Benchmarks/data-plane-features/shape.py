"""The issue-10 single-server shape for N hosts x 5 Prefix paths, with the TLS variants compared in
docs/data-plane-features.md (imported by tls_bench.py and ratelimit_bench.py).

Usage: python3 shape.py N MODE OUTDIR   (writes OUTDIR/nginx.conf and its include files, for reading)
MODE: none | default-cert | var-file | var-data | servers | hop
"""
import os, sys, textwrap
from common import http_head, vhost_maps, location_order, re_escape

SSL_HTTP = """    ssl_protocols TLSv1.2 TLSv1.3;
    ssl_session_cache shared:PorticoSSL:10m;
    ssl_session_timeout 10m;
"""


def hosts(n):
    return sorted((f"h{i}.bench" for i in range(n)), key=lambda h: location_order(f"/{h}/"))


def host_location(h, i):
    paths = [f"/p{j}" for j in range(5)]
    paths.sort(key=lambda p: (-len(p), p))
    rx = f"^(?<portico_route>/{re_escape(h)}(?:{'|'.join(paths)}))(?:/|$)"
    return (f"# Ingress default/app-{i}: spec.rules[0] host {h}\n"
            f"location /{h}/ {{\n"
            f"    # paths[0-4] /p0../p4 (Prefix) -> Services by $portico_route_upstream\n"
            f"    location ~ {rx} {{\n"
            f"        set $portico_upstream $portico_route_upstream;\n"
            f"        error_page 418 = @portico_proxy;\n"
            f"        return 418;\n"
            f"    }}\n"
            f"    return 404;\n"
            f"}}\n")


PROXIES = "location @portico_proxy {\n    proxy_pass http://$portico_upstream$request_uri;\n}\n"
CATCH_ALL = "location /_/ {\n    return 404;\n}\nlocation / {\n    return 404;\n}\n"


def indent(text, n):
    return textwrap.indent(text, " " * n)


def render(n, mode, port, tls_port, certs, default_cert, upstream=None, internal_port=None, workers=2):
    """Returns (nginx.conf text, {include file: text}). certs: {host: pem path}."""
    names = hosts(n)
    index = {h: int(h[1:].split(".")[0]) for h in names}
    upstream = upstream or (lambda i: f"svc-{i}.default.svc.cluster.local:80")
    files = {}
    extra = vhost_maps(names, [])
    extra += "    map $portico_route $portico_route_upstream {\n        default \"\";\n"
    extra += "".join(f"        \"/{h}/p{j}\" {upstream(index[h])};\n" for h in names for j in range(5))
    extra += "    }\n"
    tls_listen = f"127.0.0.1:{tls_port} ssl http2"
    main_tls = ""
    if mode != "none":
        extra += SSL_HTTP
    if mode in ("default-cert", "servers", "hop"):
        main_tls = (f"        listen {tls_listen} default_server;\n"
                    f"        ssl_certificate {default_cert};\n        ssl_certificate_key {default_cert};\n")
    if mode in ("var-file", "var-data"):
        # exact SNI names, then one label stripped for one-label wildcard certificates, else default
        if mode == "var-file":
            val = lambda p: p
        else:
            val = lambda p: '"' + open(p).read().replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n") + '"'
        extra += "    map $ssl_server_name $portico_cert_exact {\n        default \"\";\n"
        extra += "".join(f"        {h} {val(certs[h])};\n" for h in names if h in certs)
        extra += ("    }\n    map $ssl_server_name $portico_sni_parent {\n        default \"\";\n"
                  "        \"~^[^.]+\\.(.+)$\" $1;\n    }\n"
                  f"    map $portico_sni_parent $portico_cert_wildcard {{\n        default {val(default_cert)};\n    }}\n"
                  "    map $portico_cert_exact $portico_cert {\n        \"\" $portico_cert_wildcard;\n"
                  "        default $portico_cert_exact;\n    }\n")
        pre = "data:" if mode == "var-data" else ""
        main_tls = (f"        listen {tls_listen} default_server;\n"
                    f"        ssl_certificate {pre}$portico_cert;\n        ssl_certificate_key {pre}$portico_cert;\n")
    conf = [http_head(workers, extra)]
    tls_servers = []
    if mode == "servers":
        files["proxies.conf"] = indent(PROXIES, 8)
        for h in names:
            files[f"hosts/{h}.conf"] = indent(host_location(h, index[h]), 4)
            if h in certs:
                tls_servers.append(
                    f"    server {{\n        listen {tls_listen};\n        server_name {h};\n"
                    f"        ssl_certificate {certs[h]};\n        ssl_certificate_key {certs[h]};\n"
                    f"        rewrite ^ /$portico_vhost$uri break;\n        include proxies.conf;\n"
                    f"        include hosts/{h}.conf;\n        location / {{\n            return 404;\n        }}\n    }}\n")
    if mode == "hop":
        for h in names:
            if h in certs:
                tls_servers.append(
                    f"    server {{\n        listen {tls_listen};\n        server_name {h};\n"
                    f"        ssl_certificate {certs[h]};\n        ssl_certificate_key {certs[h]};\n"
                    f"        location / {{\n            proxy_pass http://127.0.0.1:{internal_port};\n"
                    f"            proxy_set_header X-Forwarded-Proto https;\n        }}\n    }}\n")
    conf.append(f"    server {{\n        listen 127.0.0.1:{port} default_server;\n")
    if mode == "hop":
        conf.append(f"        listen 127.0.0.1:{internal_port};\n")
    conf.append(main_tls)
    conf.append("        server_name _;\n        rewrite ^ /$portico_vhost$uri break;\n")
    conf.append(indent(PROXIES, 8))
    for h in names:
        conf.append(f"        include hosts/{h}.conf;\n" if mode == "servers" else indent(host_location(h, index[h]), 8))
    conf.append(indent(CATCH_ALL, 8))
    conf.append("    }\n")
    conf += tls_servers
    conf.append("}\n")
    return "".join(conf), files


if __name__ == "__main__":
    n, mode, out = int(sys.argv[1]), sys.argv[2], sys.argv[3]
    from common import make_certs, prepare
    names = hosts(n)
    certs = make_certs(os.path.join(out, "certs"), names + ["default"], "ec") if mode != "none" else {}
    text, files = render(n, mode, 8080, 8443, certs, certs.get("default"), internal_port=8081)
    prepare(os.path.abspath(out), text, files)
    print(f"wrote {out}/nginx.conf")
