// JWT key parsing (see jwt_keys.h). PEM blocks are split here and each "PUBLIC KEY" block is
// decoded by OpenSSL, which understands SPKI; the raw 32 bytes it yields are what the verifier
// hands to libsodium. Every failure names the block it is about, because key files often hold
// several.
#include "server/auth/jwt_keys.h"

#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <sodium.h>

#include <algorithm>
#include <memory>
#include <optional>
#include <string>

#include "common/base64.h"
#include "server/auth/sodium_runtime.h"

namespace edgelite::auth {
namespace {

constexpr std::string_view kBeginPrefix = "-----BEGIN ";
constexpr std::string_view kDashes = "-----";
constexpr std::string_view kPrivateKeyMessage =
    "Received a private key, but a public key is expected";
constexpr std::string_view kUnsupportedPemMessage = "Key is in unsupported PEM format";
constexpr std::string_view kHowToMakeAKey =
    "generate a key pair with `openssl genpkey -algorithm ed25519 -out jwt.key` and configure the "
    "public half, `openssl pkey -in jwt.key -pubout`";

bool IsSpace(char c) {
  return c == ' ' || c == '\t' || c == '\r' || c == '\n';
}

std::string_view Trim(std::string_view text) {
  // A UTF-8 byte order mark is invisible in editors, so a file saved with one must still work.
  if (text.starts_with("\xEF\xBB\xBF")) text.remove_prefix(3);
  while (!text.empty() && IsSpace(text.front())) text.remove_prefix(1);
  while (!text.empty() && IsSpace(text.back())) text.remove_suffix(1);
  return text;
}

struct PemBlock {
  std::string_view label;  // e.g. "PUBLIC KEY"
  std::string_view text;   // the whole block, BEGIN and END lines included
};

std::string BlockName(size_t index, std::string_view label) {
  return "PEM block " + std::to_string(index + 1) + " (`" + std::string(label) + "`)";
}

// Splits concatenated PEM blocks. Only whitespace may separate them: a key file with stray text
// is more likely damaged (a truncated "----BEGIN" line would otherwise silently drop a key) than
// annotated, and the operator finds out at start-up rather than when tokens start failing.
Result<std::vector<PemBlock>> SplitPemBlocks(std::string_view text) {
  std::vector<PemBlock> blocks;
  size_t pos = 0;
  while (true) {
    while (pos < text.size() && IsSpace(text[pos])) ++pos;
    if (pos == text.size()) break;
    std::string_view rest = text.substr(pos);
    if (!rest.starts_with(kBeginPrefix)) {
      return Status::InvalidArgument(
          "The JWT key has unexpected text after PEM block " + std::to_string(blocks.size()) +
          "; a key file may hold only `-----BEGIN PUBLIC KEY-----` ... `-----END PUBLIC KEY-----` "
          "blocks, one after another");
    }
    size_t label_start = pos + kBeginPrefix.size();
    size_t label_end = text.find(kDashes, label_start);
    std::string_view label = label_end == std::string_view::npos
                                 ? std::string_view()
                                 : text.substr(label_start, label_end - label_start);
    if (label.empty() || label.find('\n') != std::string_view::npos) {
      return Status::InvalidArgument("PEM block " + std::to_string(blocks.size() + 1) +
                                     " of the JWT key has a malformed `-----BEGIN ...-----` line");
    }
    std::string end_line = "-----END " + std::string(label) + "-----";
    size_t end_pos = text.find(end_line, label_end + kDashes.size());
    if (end_pos == std::string_view::npos) {
      return Status::InvalidArgument(BlockName(blocks.size(), label) + " of the JWT key has no `" +
                                     end_line + "` line; the key file looks truncated");
    }
    size_t block_end = end_pos + end_line.size();
    blocks.push_back({label, text.substr(pos, block_end - pos)});
    pos = block_end;
  }
  return blocks;
}

Status InvalidPointError(std::string_view what) {
  return Status::InvalidArgument(std::string(what) +
                                 " is not a valid Ed25519 public key (the bytes are not a point "
                                 "of the curve); check that the key was copied completely");
}

Result<PublicKey> DecodeSpkiBlock(const PemBlock& block, size_t index) {
  std::unique_ptr<BIO, decltype(&BIO_free)> bio(
      BIO_new_mem_buf(block.text.data(), static_cast<int>(block.text.size())), &BIO_free);
  if (!bio) return Status::Internal("OpenSSL could not allocate a memory buffer");
  std::unique_ptr<EVP_PKEY, decltype(&EVP_PKEY_free)> key(
      PEM_read_bio_PUBKEY(bio.get(), nullptr, nullptr, nullptr), &EVP_PKEY_free);
  // OpenSSL queues errors per thread; drop ours so that they are not reported by whoever uses
  // OpenSSL next on this thread.
  ERR_clear_error();
  if (!key) {
    return Status::InvalidArgument(BlockName(index, block.label) +
                                   " of the JWT key could not be decoded: its base64 body is "
                                   "damaged or it is not an SPKI public key");
  }
  if (EVP_PKEY_get_id(key.get()) != EVP_PKEY_ED25519) {
    const char* type = EVP_PKEY_get0_type_name(key.get());
    return Status::InvalidArgument(
        BlockName(index, block.label) + " of the JWT key is " +
        (type ? std::string("a ") + type : std::string("a non-Ed25519")) +
        " key, but JWTs are verified with Ed25519 (EdDSA) keys only; " +
        std::string(kHowToMakeAKey));
  }
  PublicKey out;
  size_t length = out.bytes.size();
  if (EVP_PKEY_get_raw_public_key(key.get(), out.bytes.data(), &length) != 1 ||
      length != out.bytes.size()) {
    ERR_clear_error();
    return Status::Internal("OpenSSL could not export the Ed25519 key of " +
                            BlockName(index, block.label));
  }
  if (crypto_core_ed25519_is_valid_point(out.bytes.data()) != 1) {
    return InvalidPointError(BlockName(index, block.label) + " of the JWT key");
  }
  return out;
}

Result<std::vector<PublicKey>> ParsePemKeys(std::string_view text) {
  Result<std::vector<PemBlock>> blocks = SplitPemBlocks(text);
  if (!blocks.ok()) return blocks.status();
  std::vector<PublicKey> keys;
  for (size_t i = 0; i < blocks->size(); ++i) {
    const PemBlock& block = (*blocks)[i];
    if (block.label == "PUBLIC KEY") {
      Result<PublicKey> key = DecodeSpkiBlock(block, i);
      if (!key.ok()) return key.status();
      keys.push_back(*key);
    } else if (block.label.find("PRIVATE KEY") != std::string_view::npos) {
      // Covers PKCS#8 ("PRIVATE KEY", "ENCRYPTED PRIVATE KEY") and the legacy per-algorithm forms.
      return Status::InvalidArgument(std::string(kPrivateKeyMessage) + " (" +
                                     BlockName(i, block.label) +
                                     "); configure only the public half, from `openssl pkey -in "
                                     "<private key file> -pubout`");
    } else {
      return Status::InvalidArgument(std::string(kUnsupportedPemMessage) + ": " +
                                     BlockName(i, block.label) +
                                     " is not a `PUBLIC KEY` block (an Ed25519 SPKI public key)");
    }
  }
  return keys;
}

Result<std::vector<PublicKey>> ParseRawKey(std::string_view text) {
  // sqld documents URL-safe base64 without padding; padding and the standard alphabet are
  // accepted too because a 32-byte key decodes to the same bytes either way, and rejecting them
  // would only turn a copy-paste from another tool into a start-up failure.
  std::optional<std::string> bytes =
      base64::Decode(text, base64::Alphabet::kUrlSafe, base64::Padding::kOptional);
  if (!bytes) bytes = base64::Decode(text, base64::Alphabet::kStandard, base64::Padding::kOptional);
  if (!bytes) {
    return Status::InvalidArgument(
        "The JWT key is neither a PEM `-----BEGIN PUBLIC KEY-----` block nor a raw Ed25519 "
        "public key in URL-safe base64 (43 characters of A-Z a-z 0-9 - _)");
  }
  if (bytes->size() != kEd25519PublicKeySize) {
    return Status::InvalidArgument(
        "The JWT key decodes to " + std::to_string(bytes->size()) +
        " bytes, but a raw Ed25519 public key is 32 bytes (43 characters of URL-safe base64); "
        "for other key formats use a PEM `-----BEGIN PUBLIC KEY-----` block");
  }
  PublicKey key;
  std::copy(bytes->begin(), bytes->end(), key.bytes.begin());
  if (crypto_core_ed25519_is_valid_point(key.bytes.data()) != 1) {
    return InvalidPointError("The JWT key");
  }
  return std::vector<PublicKey>{key};
}

}  // namespace

Result<std::vector<PublicKey>> ParseJwtKeys(std::string_view text) {
  if (!InitializeSodium()) return Status::Internal("libsodium failed to initialize");
  text = Trim(text);
  if (text.empty()) {
    return Status::InvalidArgument("The JWT key is empty; " + std::string(kHowToMakeAKey));
  }
  if (text.starts_with("-----BEGIN")) return ParsePemKeys(text);
  return ParseRawKey(text);
}

}  // namespace edgelite::auth
