// Grant decisions (see permission.h). The rules follow sqld: Write is granted by rw, rwa or ddl;
// Read by anything that grants Write, or by ro or roa; AttachRead only by roa or rwa.
#include "server/auth/permission.h"

#include <algorithm>

namespace edgelite::auth {

std::string_view PermissionName(Permission permission) {
  switch (permission) {
    case Permission::kRead:
      return "Read";
    case Permission::kWrite:
      return "Write";
    case Permission::kAttachRead:
      return "AttachRead";
  }
  return "Unknown";
}

bool NamespaceScope::Contains(std::string_view namespace_name) const {
  if (all_namespaces_) return true;
  return std::find(namespaces_.begin(), namespaces_.end(), namespace_name) != namespaces_.end();
}

Grant Grant::FullAccess() {
  return Grant();
}

Grant Grant::Legacy(Permission permission, std::optional<std::string> namespace_name) {
  Grant grant;
  grant.kind_ = Kind::kLegacy;
  grant.legacy_permission_ = permission;
  grant.legacy_namespace_ = std::move(namespace_name);
  return grant;
}

Grant Grant::FineGrained(FineGrainedScopes scopes) {
  Grant grant;
  grant.kind_ = Kind::kFineGrained;
  grant.scopes_ = std::make_shared<const FineGrainedScopes>(std::move(scopes));
  return grant;
}

namespace {

// What a legacy "a" permission implies. Write does not imply AttachRead: a token with no claims
// at all gets a legacy Write grant, and it must not be able to ATTACH (protocol.md §7.3).
bool LegacyPermissionImplies(Permission held, Permission requested) {
  if (held == requested) return true;
  return requested == Permission::kRead;  // both Write and AttachRead include Read
}

bool FineGrainedAllows(const FineGrainedScopes& scopes, Permission permission,
                       std::string_view ns) {
  const bool write = scopes.read_write.Contains(ns) || scopes.read_write_attach.Contains(ns) ||
                     scopes.ddl.Contains(ns);
  switch (permission) {
    case Permission::kWrite:
      return write;
    case Permission::kRead:
      return write || scopes.read_only.Contains(ns) || scopes.read_only_attach.Contains(ns);
    case Permission::kAttachRead:
      return scopes.read_only_attach.Contains(ns) || scopes.read_write_attach.Contains(ns);
  }
  return false;
}

std::string_view LegacyClaimText(Permission permission) {
  switch (permission) {
    case Permission::kRead:
      return "ro";
    case Permission::kWrite:
      return "rw";
    case Permission::kAttachRead:
      return "roa";
  }
  return "?";
}

void AppendScope(std::string& out, std::string_view key, const NamespaceScope& scope) {
  if (scope.empty()) return;
  if (out.back() != '{') out += ", ";
  out += key;
  out += ": [";
  bool first = true;
  if (scope.all_namespaces()) {
    out += "<all via gid tag>";
    first = false;
  }
  for (const std::string& name : scope.namespaces()) {
    if (!first) out += ", ";
    out += name;
    first = false;
  }
  out += "]";
}

}  // namespace

bool Grant::Allows(Permission permission, std::string_view namespace_name) const {
  switch (kind_) {
    case Kind::kFullAccess:
      return true;
    case Kind::kLegacy:
      return (!legacy_namespace_ || *legacy_namespace_ == namespace_name) &&
             LegacyPermissionImplies(legacy_permission_, permission);
    case Kind::kFineGrained:
      return FineGrainedAllows(*scopes_, permission, namespace_name);
  }
  return false;
}

bool Grant::AllowsSchemaDdl(std::string_view namespace_name) const {
  switch (kind_) {
    case Kind::kFullAccess:
      return true;
    case Kind::kLegacy:
      return false;
    case Kind::kFineGrained:
      return scopes_->ddl.Contains(namespace_name);
  }
  return false;
}

std::string Grant::ToString() const {
  switch (kind_) {
    case Kind::kFullAccess:
      return "full access";
    case Kind::kLegacy: {
      std::string out = "legacy ";
      out += LegacyClaimText(legacy_permission_);
      if (legacy_namespace_) {
        out += " on namespace `" + *legacy_namespace_ + "`";
      } else {
        out += " on all namespaces";
      }
      return out;
    }
    case Kind::kFineGrained: {
      std::string out = "fine-grained {";
      AppendScope(out, "ro", scopes_->read_only);
      AppendScope(out, "rw", scopes_->read_write);
      AppendScope(out, "roa", scopes_->read_only_attach);
      AppendScope(out, "rwa", scopes_->read_write_attach);
      AppendScope(out, "ddl", scopes_->ddl);
      out += "}";
      return out;
    }
  }
  return "unknown grant";
}

bool Grant::operator==(const Grant& other) const {
  if (kind_ != other.kind_) return false;
  switch (kind_) {
    case Kind::kFullAccess:
      return true;
    case Kind::kLegacy:
      return legacy_permission_ == other.legacy_permission_ &&
             legacy_namespace_ == other.legacy_namespace_;
    case Kind::kFineGrained:
      return scopes_ == other.scopes_ || *scopes_ == *other.scopes_;
  }
  return false;
}

}  // namespace edgelite::auth
