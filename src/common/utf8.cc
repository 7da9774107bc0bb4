// UTF-8 sequence validation (Unicode §3.9, table 3-7).
#include "common/utf8.h"

namespace edgelite::utf8 {

size_t ExamineSequence(const unsigned char* p, size_t available, bool& well_formed) {
  const unsigned char lead = p[0];
  size_t continuation_bytes;
  unsigned char low = 0x80;  // the allowed range of the second byte, narrowed for some lead bytes
  unsigned char high = 0xBF;
  if (lead >= 0xC2 && lead <= 0xDF) {
    continuation_bytes = 1;
  } else if (lead == 0xE0) {
    continuation_bytes = 2;
    low = 0xA0;  // no overlong forms
  } else if (lead >= 0xE1 && lead <= 0xEF) {
    continuation_bytes = 2;
    if (lead == 0xED) high = 0x9F;  // no surrogates
  } else if (lead == 0xF0) {
    continuation_bytes = 3;
    low = 0x90;  // no overlong forms
  } else if (lead >= 0xF1 && lead <= 0xF3) {
    continuation_bytes = 3;
  } else if (lead == 0xF4) {
    continuation_bytes = 3;
    high = 0x8F;  // nothing above U+10FFFF
  } else {
    well_formed = false;
    return 1;
  }
  for (size_t i = 1; i <= continuation_bytes; ++i) {
    if (i >= available || p[i] < low || p[i] > high) {
      well_formed = false;
      return i;
    }
    low = 0x80;
    high = 0xBF;
  }
  well_formed = true;
  return continuation_bytes + 1;
}

}  // namespace edgelite::utf8
