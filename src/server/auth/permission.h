// Permission and Grant: what an authenticated caller may do, decided once per request by the
// Authenticator and consulted by the executor for every statement. A Grant is one of three shapes,
// mirroring how sqld authorizes: full access (auth disabled, or HTTP Basic), a legacy grant from a
// JWT's "a"/"id" claims (one permission, on one namespace or on all), or a fine-grained grant from
// a JWT's "p" claim (a namespace scope per kind of access). Grants are immutable values, cheap to
// copy (the fine-grained scopes are shared), and safe to use from any thread.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace edgelite::auth {

enum class Permission {
  kRead,        // SELECT, BEGIN/COMMIT, SAVEPOINT/RELEASE
  kWrite,       // writes and DDL
  kAttachRead,  // ATTACH of another namespace (which must also allow attach in its config)
};

// sqld's names for permissions, used in its 403 text: "Current session doesn't not have Write
// permission to namespace default".
std::string_view PermissionName(Permission permission);

// The namespaces one fine-grained claim ("ro", "rw", ...) applies to: the names listed in its "ns"
// array, or every namespace when its "tags" array holds this server's group id (LIBSQL_GID). The
// tag is resolved when the token is parsed, so checking a scope never looks at the environment.
class NamespaceScope {
 public:
  NamespaceScope() = default;  // matches nothing
  NamespaceScope(std::vector<std::string> namespaces, bool all_namespaces)
      : namespaces_(std::move(namespaces)), all_namespaces_(all_namespaces) {}

  bool Contains(std::string_view namespace_name) const;
  bool empty() const { return !all_namespaces_ && namespaces_.empty(); }
  const std::vector<std::string>& namespaces() const { return namespaces_; }
  bool all_namespaces() const { return all_namespaces_; }

  bool operator==(const NamespaceScope&) const = default;

 private:
  std::vector<std::string> namespaces_;
  bool all_namespaces_ = false;
};

// The five keys of a JWT "p" claim.
struct FineGrainedScopes {
  NamespaceScope read_only;          // "ro": Read
  NamespaceScope read_write;         // "rw": Read and Write
  NamespaceScope read_only_attach;   // "roa": Read and AttachRead
  NamespaceScope read_write_attach;  // "rwa": Read, Write and AttachRead
  NamespaceScope ddl;                // "ddl": Read and Write, plus DDL on shared-schema children

  bool operator==(const FineGrainedScopes&) const = default;
};

class Grant {
 public:
  // Everything on every namespace: auth disabled, or a request that passed HTTP Basic.
  static Grant FullAccess();
  // A token without "p": `permission` from "a" (sqld's default is Write) on `namespace_name`
  // from "id", or on all namespaces when "id" is absent. Write implies Read, AttachRead implies
  // Read; a legacy grant never includes the DDL override.
  static Grant Legacy(Permission permission, std::optional<std::string> namespace_name);
  // A token with a "p" claim; "a" and "id" are then ignored.
  static Grant FineGrained(FineGrainedScopes scopes);

  // Whether the caller may do `permission` on `namespace_name`. Allows(kRead, ns) is also the
  // "may the caller know this namespace exists" test: the server answers 404 rather than 403 when
  // it is false, so that namespace names do not leak.
  bool Allows(Permission permission, std::string_view namespace_name) const;
  // Whether DDL is allowed on a shared-schema child namespace (only full access or a "ddl" scope).
  bool AllowsSchemaDdl(std::string_view namespace_name) const;

  bool is_full_access() const { return kind_ == Kind::kFullAccess; }
  // For logs and test failure messages, e.g. "legacy ro on namespace `db`".
  std::string ToString() const;

  bool operator==(const Grant& other) const;

 private:
  enum class Kind { kFullAccess, kLegacy, kFineGrained };

  Kind kind_ = Kind::kFullAccess;
  Permission legacy_permission_ = Permission::kWrite;
  std::optional<std::string> legacy_namespace_;
  // Shared so that handing a cached grant to each request is a reference-count increment rather
  // than a copy of every namespace list.
  std::shared_ptr<const FineGrainedScopes> scopes_;
};

}  // namespace edgelite::auth
