#include "codes.h"

namespace wallarm {

#define WALLARM_CHECK_CODE(name, value, message) \
  static_assert(WALLARM_##name == (value), "wallarm.h and codes.h disagree on " #name);
WALLARM_CODES(WALLARM_CHECK_CODE)
#undef WALLARM_CHECK_CODE

const char* code_message(int32_t code) noexcept {
  switch (code) {
#define WALLARM_CODE_MESSAGE(name, value, message) \
  case (value):                                    \
    return message;
    WALLARM_CODES(WALLARM_CODE_MESSAGE)
#undef WALLARM_CODE_MESSAGE
  }
  return "unknown error code";
}

const char* code_name(int32_t code) noexcept {
  switch (code) {
#define WALLARM_CODE_NAME(name, value, message) \
  case (value):                                 \
    return #name;
    WALLARM_CODES(WALLARM_CODE_NAME)
#undef WALLARM_CODE_NAME
  }
  return "EUNKNOWN";
}

}  // namespace wallarm
