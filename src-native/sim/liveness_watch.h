// Prompt notice of processes of the cluster that die without a word
// (SIGKILL, a crash): the driver of a real cluster learns at once that a node
// went away and tears down its importers' connections. Without this, a
// killed exporter would only be noticed by the next registry lookup (connect,
// publish, map, barrier close), and implicit-mode put/get, which must stay
// free of system calls, would keep "succeeding" against its orphaned pages.
//
// Design: one thread per process, started with the first export or import,
// holds a pidfd for every other process of the cluster and sleeps in poll().
// A pidfd becomes readable when its process has exited (its descriptors,
// and so its liveness lock, already gone); the thread then reaps the dead
// process under the registry lock, which force-disconnects its importers
// and bumps their generation counters. put/get and close_barrier already
// compare those counters, so they report RSMERR_CONN_ABORTED with no extra
// cost on their path. The thread rescans the process table when this process
// connects or creates, and once a second for newcomers that import from us
// (so their doorbells and files are reaped promptly too). Without pidfds
// (old kernels, other systems) it probes liveness locks every 100 ms.
#pragma once

namespace rsmsim {

// Starts the watcher if needed and asks it to look for new processes now.
void WatchCluster();

}  // namespace rsmsim
