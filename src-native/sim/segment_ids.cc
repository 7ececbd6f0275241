// rsm_get_segmentid_range: the administrator's table of reserved segment-id
// ranges (docs/semantics.md §4.11), read from RSM_SIM_SEGMENTID_FILE instead of
// /etc/rsm/rsm.segmentid when set.
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <memory>

#include "config.h"
#include "segment_ids.h"

namespace rsmsim {

int SegmentIdRange(const char* appid, rsm_memseg_id_t* baseid, uint32_t* length) {
  if (!appid || !baseid || !length) return RSMERR_BAD_ADDR;
  std::unique_ptr<FILE, int (*)(FILE*)> file(fopen(GetConfig().segmentid_file.c_str(), "re"), fclose);
  if (!file) return RSMERR_BAD_CONF;
  // Lines are read through a 256-byte buffer: longer ones arrive in pieces,
  // each piece parsed as a line of its own.
  char line[256];
  while (fgets(line, sizeof line, file.get())) {
    size_t n = strlen(line);
    if (n > 0 && line[n - 1] == '\n') line[--n] = '\0';
    char* p = line;
    while (isspace(static_cast<unsigned char>(*p))) ++p;
    if (*p == '#') continue;
    char* fields[4] = {nullptr, nullptr, nullptr, nullptr};
    int count = 0;
    while (*p && count < 4) {
      fields[count++] = p;
      if (count == 4) break;  // the fourth field runs to the end of the line
      while (*p && !isspace(static_cast<unsigned char>(*p))) ++p;
      if (*p) *p++ = '\0';
      while (isspace(static_cast<unsigned char>(*p))) ++p;
    }
    if (count < 4) return RSMERR_BAD_CONF;
    if (strcasecmp(fields[1], appid) != 0) continue;
    if (strcasecmp(fields[0], "reserved") != 0) return RSMERR_BAD_CONF;
    errno = 0;
    unsigned long base = strtoul(fields[2], nullptr, 16);
    if (errno != 0) return RSMERR_BAD_CONF;
    unsigned long len = strtoul(fields[3], nullptr, 10);
    if (errno != 0) return RSMERR_BAD_CONF;
    *baseid = static_cast<rsm_memseg_id_t>(base);
    *length = static_cast<uint32_t>(len);
    return RSM_SUCCESS;
  }
  return RSMERR_BAD_APPID;
}

}  // namespace rsmsim
