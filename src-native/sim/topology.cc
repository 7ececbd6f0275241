// The interconnect topology as rsm_get_interconnect_topology returns it: one
// calloc'ed block (header, pointer array, then each controller's header
// followed by its remote entries), so a single free releases it.
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <algorithm>
#include <string>
#include <vector>

#include "controller.h"
#include "fabric.h"

namespace rsmsim {

int BuildTopology(rsm_topology_t** out) {
  Fabric* fabric;
  if (int rc = Fabric::Get(&fabric)) return rc;
  const Config& config = GetConfig();
  const NodeDesc* node = config.topology.FindNode(config.node);

  // Grouped by driver (type) in order of first appearance, as the driver
  // walks its adapter list.
  std::vector<const ControllerDesc*> ctlrs;
  for (const auto& c : node->controllers) ctlrs.push_back(&c);
  std::vector<std::string> order;
  for (auto* c : ctlrs)
    if (std::find(order.begin(), order.end(), c->type) == order.end()) order.push_back(c->type);
  std::stable_sort(ctlrs.begin(), ctlrs.end(), [&](const ControllerDesc* a, const ControllerDesc* b) {
    return std::find(order.begin(), order.end(), a->type) < std::find(order.begin(), order.end(), b->type);
  });

  const size_t n = ctlrs.size();
  size_t remotes = 0;
  for (auto* c : ctlrs) remotes += c->links.size();
  const size_t total = sizeof(rsm_topology_hdr_t) + n * sizeof(rsm_connections_t*) +
                       n * sizeof(rsm_connections_hdr_t) + remotes * sizeof(rsm_remote_cntlr_t);
  char* block = static_cast<char*>(calloc(1, total));
  if (!block) return RSMERR_INSUFFICIENT_MEM;

  auto* topo = reinterpret_cast<rsm_topology_t*>(block);
  topo->topology_hdr.local_nodeid = config.node;
  topo->topology_hdr.local_cntlr_count = static_cast<uint_t>(n);
  auto** slots = reinterpret_cast<rsm_connections_t**>(block + offsetof(rsm_topology_t, connections));
  char* cursor = block + sizeof(rsm_topology_hdr_t) + n * sizeof(rsm_connections_t*);
  for (size_t i = 0; i < n; ++i) {
    const ControllerDesc* c = ctlrs[i];
    auto* conn = reinterpret_cast<rsm_connections_t*>(cursor);
    slots[i] = conn;
    strncpy(conn->hdr.cntlr_name, c->name.c_str(), MAXNAMELEN - 1);
    conn->hdr.local_hwaddr = c->hwaddr;
    conn->hdr.remote_cntlr_count = static_cast<int>(c->links.size());
    auto* remote = reinterpret_cast<rsm_remote_cntlr_t*>(cursor + sizeof(rsm_connections_hdr_t));
    for (const LinkDesc& l : c->links) {
      remote->remote_nodeid = l.node;
      // The driver names a remote controller after the local adapter's
      // driver and the remote instance (rsmka_pathmanager.c get_topology).
      std::string remote_type;
      int remote_unit = 0;
      ParseControllerName(l.ctlr, &remote_type, &remote_unit);
      snprintf(remote->remote_cntlrname, MAXNAMELEN, "%s%d", c->type.c_str(), remote_unit);
      remote->remote_hwaddr = l.hwaddr;
      remote->connection_state = l.state;
      ++remote;
    }
    cursor = reinterpret_cast<char*>(remote);
  }
  *out = topo;
  return RSM_SUCCESS;
}

}  // namespace rsmsim
