// Which namespace a request on the user port is for (docs/protocol.md §2.3), the same on HTTP,
// WebSocket upgrades and gRPC-web. With namespaces enabled, the first rule that applies wins:
//  1. a path that starts with `/db/<name>/`: edgelite's own form, for clients that can set no
//     header and have no wildcard DNS. The official clients keep a base URL's path when it ends
//     in `/` (`http://host:8080/db/my-app/` → `/db/my-app/v3/pipeline` from @libsql/client,
//     `/db/my-app//wal_log.ReplicationLog/...` from its embedded replica), so that URL works for
//     both; the prefix is removed before routing. It wins over the headers because the native
//     replica always sends `x-namespace-bin`, made from the host name.
//  2. `x-namespace-bin`: the name in base64;
//  3. `x-namespace`: the name as is;
//  4. the first label of `Host`, when the host is a name with a dot (`my-app.db.example.com`);
//     not for an IP address, which sqld would take as namespace `127`;
//  5. `default`, unless --disable-default-namespace.
// With namespaces disabled every request is for `default` (a `/db/default/` prefix is accepted).
#pragma once

#include <string>

#include "edgelite/status.h"
#include "server/http_message.h"

namespace edgelite::server {

struct NamespaceRouting {
  bool enabled = false;
  bool default_namespace = true;
};

struct SelectedNamespace {
  std::string name;
  std::string target;  // the request target without the `/db/<name>` prefix
};

// InvalidArgument with sqld's message for a malformed selection (bad base64, a bad name, no
// namespace where one is required); NotFound for `/db/<name>/` naming another database when
// namespaces are disabled.
Result<SelectedNamespace> SelectNamespace(const HttpRequest& request,
                                          const NamespaceRouting& routing);

}  // namespace edgelite::server
