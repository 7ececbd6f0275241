// Prints where the simulator's registry keeps what, as JSON, so tests can
// damage exactly the bytes they mean to (test/registry-corruption.test.js).
#include <stddef.h>
#include <stdio.h>

#include "../../src-native/sim/fabric.h"

using rsmsim::ExportEntry;
using rsmsim::FabricLayout;
using rsmsim::ImportEntry;
using rsmsim::ProcEntry;

int main() {
  printf("{\"size\":%zu,\"magic\":%zu,\"version\":%zu,\"layoutSize\":%zu,\"lock\":%zu,\"lockSize\":%zu,",
         sizeof(FabricLayout), offsetof(FabricLayout, magic), offsetof(FabricLayout, version),
         offsetof(FabricLayout, layout_size), offsetof(FabricLayout, lock), sizeof(pthread_mutex_t));
  printf("\"writing\":%zu,\"procs\":%zu,\"procSize\":%zu,\"procInUse\":%zu,\"procPid\":%zu,",
         offsetof(FabricLayout, writing), offsetof(FabricLayout, procs), sizeof(ProcEntry),
         offsetof(ProcEntry, in_use), offsetof(ProcEntry, pid));
  printf("\"exports\":%zu,\"exportSize\":%zu,\"exportState\":%zu,\"exportOwner\":%zu,\"exportNode\":%zu,"
         "\"exportSegid\":%zu,\"exportAclLen\":%zu,",
         offsetof(FabricLayout, exports), sizeof(ExportEntry), offsetof(ExportEntry, state),
         offsetof(ExportEntry, owner), offsetof(ExportEntry, node), offsetof(ExportEntry, segid),
         offsetof(ExportEntry, acl_len));
  printf("\"imports\":%zu,\"importSize\":%zu,\"importInUse\":%zu,\"importExportIndex\":%zu,\"importSegid\":%zu,",
         offsetof(FabricLayout, imports), sizeof(ImportEntry), offsetof(ImportEntry, in_use),
         offsetof(ImportEntry, export_index), offsetof(ImportEntry, segid));
  printf("\"signalSlotSize\":%zu,", sizeof(rsmsim::SignalSlot));
  printf("\"generation\":%zu,\"exportSignals\":%zu,\"importSignals\":%zu,\"maxExports\":%u,\"maxImports\":%u,"
         "\"maxProcs\":%u}\n",
         offsetof(FabricLayout, generation), offsetof(FabricLayout, export_signals),
         offsetof(FabricLayout, import_signals), rsmsim::kMaxExports, rsmsim::kMaxImports, rsmsim::kMaxProcs);
  return 0;
}
