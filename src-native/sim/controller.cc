#include "controller.h"

#include <strings.h>

#include <vector>

#include "fabric.h"

namespace rsmsim {

namespace {

// Every controller record this process ever made; released ones stay (with
// reference count 0) so their handles keep answering with the documented codes,
// and are revived when the same controller is opened again.
std::vector<ControllerRec*>& Controllers() {
  static std::vector<ControllerRec*>* list = [] {
    static std::aligned_storage_t<sizeof(std::vector<ControllerRec*>), alignof(std::vector<ControllerRec*>)> storage;
    return ::new (&storage) std::vector<ControllerRec*>();
  }();
  return *list;
}

bool IsLoopbackType(const std::string& type) { return strcasecmp(type.c_str(), "loopback") == 0; }

}  // namespace

int GetController(const char* name, ControllerRec** out) {
  Fabric* fabric;
  if (Fabric::Get(&fabric) != RSM_SUCCESS || fabric->Broken()) return RSMERR_BAD_CONF;
  const Config& config = GetConfig();

  std::string type = "loopback";
  int unit = 0;
  if (name) ParseControllerName(name, &type, &unit);

  std::lock_guard<std::mutex> lock(ProcessMutex());
  for (ControllerRec* c : Controllers()) {
    if (c->refcount == 0 || strcasecmp(c->type.c_str(), type.c_str()) != 0) continue;
    if (c->loopback || c->unit == unit) {
      c->refcount++;
      *out = c;
      return RSM_SUCCESS;
    }
  }

  // Opening anew: the driver knows loopback only by its exact lower-case
  // name, and other controllers only as the local node's adapters.
  const ControllerDesc* desc = nullptr;
  bool loopback = IsLoopbackType(type);
  if (loopback) {
    if (type != "loopback") return RSMERR_CTLR_NOT_PRESENT;
  } else {
    const NodeDesc* node = config.topology.FindNode(config.node);
    for (const auto& c : node->controllers)
      if (c.type == type && c.unit == unit) desc = &c;
    if (!desc) return RSMERR_CTLR_NOT_PRESENT;
  }

  ControllerRec* rec = nullptr;
  for (ControllerRec* c : Controllers())
    if (c->refcount == 0 && c->loopback == loopback && (loopback || c->desc == desc)) rec = c;
  if (!rec) {
    rec = NewControllerLocked();
    if (!rec) return RSMERR_INSUFFICIENT_MEM;
    Controllers().push_back(rec);
  }
  rec->type = type;
  rec->unit = unit;
  rec->loopback = loopback;
  rec->desc = desc;
  rec->node = config.node;
  rec->name = loopback ? "loopback" : desc->name;
  if (loopback) {
    rec->attr = rsmapi_controller_attr_t{};
    rec->attr.attr_page_size = 8;  // what the loopback driver reports, not the page size
  } else {
    rec->attr = desc->attr;
  }
  rec->refcount = 1;
  *out = rec;
  return RSM_SUCCESS;
}

int ReleaseController(ControllerRec* c) {
  std::lock_guard<std::mutex> lock(ProcessMutex());
  if (c->refcount == 0) return RSMERR_BAD_CTLR_HNDL;
  c->refcount--;
  return RSM_SUCCESS;
}

int ControllerAttr(ControllerRec* c, rsmapi_controller_attr_t* attr) {
  std::lock_guard<std::mutex> lock(ProcessMutex());
  if (c->refcount == 0) return RSMERR_CTLR_NOT_PRESENT;
  *attr = c->attr;
  return RSM_SUCCESS;
}

const LinkDesc* ControllerPathTo(const ControllerRec* c, uint32_t node) {
  if (!c->desc) return nullptr;
  for (const LinkDesc& l : c->desc->links)
    if (l.node == node) return &l;
  return nullptr;
}

bool ControllerOpen(ControllerRec* c) {
  std::lock_guard<std::mutex> lock(ProcessMutex());
  return c->refcount > 0;
}

}  // namespace rsmsim
