{
  "variables": {
    # Every .cc/.c file of a folder, so adding a file needs no edit here.
    "sim_sources": ["<!@(node -p \"require('fs').readdirSync('src-native/sim').filter(f=>/\\.cc$/.test(f)).map(f=>'src-native/sim/'+f).join(' ')\")"],
    "addon_sources": ["<!@(node -p \"require('fs').readdirSync('src-native/addon').filter(f=>/\\.cc$/.test(f)).map(f=>'src-native/addon/'+f).join(' ')\")"],
    "backend_sources": ["<!@(node -p \"require('fs').readdirSync('src-native/backend').filter(f=>/\\.cc$/.test(f)).map(f=>'src-native/backend/'+f).join(' ')\")"],
    # 1 in a checkout, 0 in the published package, which has no bench/.
    "bench_addon": "<!(node -p \"+require('fs').existsSync('bench/native')\")"
  },
  "conditions": [
    ["bench_addon==1", {
      "targets": [
        {
          # Empty functions, raw N-API and node-addon-api: the floor the
          # benchmarks compare a put/get call with (bench/native/).
          "target_name": "rsm_bench_empty",
          # Named .so, not .node: node-gyp-build loads the first .node file
          # it finds in build/Release. The bench loads it with process.dlopen.
          "type": "shared_library",
          "product_prefix": "",
          "product_extension": "so",
          "sources": ["bench/native/empty.cc"],
          "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
          "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "NODE_ADDON_API_DISABLE_DEPRECATED"]
        }
      ]
    }]
  ],
  "target_defaults": {
    # An ignored [[nodiscard]] result (the simulator's Fabric::Get) is an error.
    "cflags": ["-Wall", "-Wextra", "-Wno-unused-parameter", "-Werror=unused-result"],
    "cflags_cc": ["-std=c++17"],
    "cflags_cc!": ["-fno-exceptions", "-fno-rtti", "-std=gnu++17", "-std=gnu++20"],
    "cflags!": ["-fno-exceptions"],
    "defines": ["_GNU_SOURCE"],
    "variables": {
      # 1 in a checkout, 0 in the published package, which has no test/:
      # there the C test programs become empty targets, so an install
      # compiles only the addon and librsmsim.so.
      "test_programs": "<!(node -p \"+require('fs').existsSync('test/c')\")"
    },
    "target_conditions": [
      ["test_programs==0 and _type=='executable'", {"type": "none", "sources=": [], "dependencies=": []}]
    ],
    "conditions": [
      ["OS=='solaris'", {
        # illumos: build LP64 so the ABI matches the system librsm; check our
        # declarations against the system <rsmapi.h>.
        "cflags": ["-m64"],
        "ldflags": ["-m64"],
        "defines": ["__EXTENSIONS__", "_POSIX_PTHREAD_SEMANTICS"]
      }]
    ]
  },
  "targets": [
    {
      # The addon: N-API classes, the backend table and loaders, and the
      # simulator linked in under private names (rsmsim_*).
      "target_name": "rsmapi",
      "sources": [
        "<@(addon_sources)",
        "<@(backend_sources)",
        "<@(sim_sources)",
        "src-native/abi/abi_check.c"
      ],
      "include_dirs": ["<!(node -p \"require('node-addon-api').include_dir\")"],
      "defines": [
        "RSMSIM_EMBEDDED",
        "NAPI_VERSION=8",
        "NAPI_CPP_EXCEPTIONS",
        "NODE_ADDON_API_DISABLE_DEPRECATED"
      ],
      "cflags_cc": ["-fvisibility=hidden"],
      "libraries": ["-ldl", "-lpthread"],
      "conditions": [
        ["OS=='linux'", {"libraries": ["-lrt"]}],
        ["OS=='solaris'", {"sources": ["src-native/abi/abi_check_system.c"]}]
      ]
    },
    {
      # The simulator alone as a C shared library exporting the rsm_* symbols
      # with the librsm signatures: build/Release/librsmsim.so.
      "target_name": "rsmsim",
      "type": "shared_library",
      "product_prefix": "lib",
      "product_extension": "so",
      "sources": ["<@(sim_sources)"],
      "cflags_cc": ["-fvisibility=hidden"],
      "ldflags": ["-Wl,-Bsymbolic", "-Wl,-soname,librsmsim.so"],
      "libraries": ["-lpthread"],
      "conditions": [["OS=='linux'", {"libraries": ["-lrt"]}]]
    },
    {
      # A C program written against rsmapi.h, linked against librsmsim.so:
      # exports in one process, imports in another (test/c/).
      "target_name": "rsm_c_exchange",
      "type": "executable",
      "dependencies": ["rsmsim"],
      "sources": ["test/c/exchange.c"],
      "include_dirs": ["src-native/abi"],
      "cflags": ["-std=c11"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'", "-Wl,-rpath,'$$ORIGIN/lib.target'"]
    },
    {
      # The codes the facade cannot provoke (NULL pointers, wrong handle
      # kinds, a forked child's handle), checked in C (test/c/).
      "target_name": "rsm_c_null_args",
      "type": "executable",
      "dependencies": ["rsmsim"],
      "sources": ["test/c/null_args.c"],
      "include_dirs": ["src-native/abi"],
      "cflags": ["-std=c11"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'", "-Wl,-rpath,'$$ORIGIN/lib.target'"]
    },
    {
      # The driver's and the generic plug-in's rules, checked in C (test/c/).
      "target_name": "rsm_c_driver_rules",
      "type": "executable",
      "dependencies": ["rsmsim"],
      "sources": ["test/c/driver_rules.c"],
      "include_dirs": ["src-native/abi"],
      "cflags": ["-std=c11"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'", "-Wl,-rpath,'$$ORIGIN/lib.target'"]
    },
    {
      # A node driven over stdin/stdout: how segment memory is shared
      # between processes and users (test/c/).
      "target_name": "rsm_c_memory_peer",
      "type": "executable",
      "dependencies": ["rsmsim"],
      "sources": ["test/c/memory_peer.c"],
      "include_dirs": ["src-native/abi"],
      "cflags": ["-std=c11"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'", "-Wl,-rpath,'$$ORIGIN/lib.target'"]
    },
    {
      # A node driven over stdin/stdout: exports whose ranges overlap (test/c/).
      "target_name": "rsm_c_overlap_peer",
      "type": "executable",
      "dependencies": ["rsmsim"],
      "sources": ["test/c/overlap_peer.c"],
      "include_dirs": ["src-native/abi"],
      "cflags": ["-std=c11"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'", "-Wl,-rpath,'$$ORIGIN/lib.target'"]
    },
    {
      # Interrupt-signal delivery from C: thousands of poll descriptors, a
      # stopped receiver, fan-out over controllers, poll masks (test/c/).
      "target_name": "rsm_c_signal_delivery",
      "type": "executable",
      "dependencies": ["rsmsim"],
      "sources": ["test/c/signal_delivery.c"],
      "include_dirs": ["src-native/abi"],
      "cflags": ["-std=c11"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'", "-Wl,-rpath,'$$ORIGIN/lib.target'"]
    },
    {
      # Blocking calls interrupted by a signal, and exhausted descriptors,
      # checked in C (test/c/).
      "target_name": "rsm_c_blocking_calls",
      "type": "executable",
      "dependencies": ["rsmsim"],
      "sources": ["test/c/blocking_calls.c"],
      "include_dirs": ["src-native/abi"],
      "cflags": ["-std=c11"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'", "-Wl,-rpath,'$$ORIGIN/lib.target'"],
      "libraries": ["-lpthread"]
    },
    {
      # A registry truncated under a C program: RSMERR_BAD_CONF, no SIGBUS
      # (test/c/).
      "target_name": "rsm_c_damaged_registry",
      "type": "executable",
      "dependencies": ["rsmsim"],
      "sources": ["test/c/damaged_registry.c"],
      "include_dirs": ["src-native/abi"],
      "cflags": ["-std=c11"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'", "-Wl,-rpath,'$$ORIGIN/lib.target'"]
    },
    {
      # The simulator's own C self-test and a multi-process stress, run by
      # test/sim-c-programs.test.js (test/c/).
      "target_name": "rsm_c_sim_selftest",
      "type": "executable",
      "dependencies": ["rsmsim"],
      "sources": ["test/c/sim_selftest.c"],
      "include_dirs": ["src-native/abi"],
      "cflags": ["-std=c11"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'", "-Wl,-rpath,'$$ORIGIN/lib.target'"]
    },
    {
      "target_name": "rsm_c_sim_stress",
      "type": "executable",
      "dependencies": ["rsmsim"],
      "sources": ["test/c/sim_stress.c"],
      "include_dirs": ["src-native/abi"],
      "cflags": ["-std=c11"],
      "ldflags": ["-Wl,-rpath,'$$ORIGIN'", "-Wl,-rpath,'$$ORIGIN/lib.target'"],
      "libraries": ["-lpthread"]
    },
    {
      # A library with the RSMAPI and none of the simulator's extensions, as
      # a real librsm is (test/c/).
      "target_name": "rsm_plain_librsm",
      "type": "shared_library",
      "product_extension": "so",
      "sources": ["test/c/plain_librsm.cc"],
      "include_dirs": ["src-native/abi"],
      "cflags_cc": ["-fvisibility=hidden"],
      # Not built in the published package, which has no test/.
      "variables": {"has_tests": "<!(node -p \"+require('fs').existsSync('test/c')\")"},
      "conditions": [["has_tests==0", {"type": "none", "sources=": []}]]
    },
    {
      # Where the registry keeps what, for the tests that damage it (test/c/).
      "target_name": "rsm_registry_layout",
      "type": "executable",
      "sources": ["test/c/registry_layout.cc"]
    }
  ]
}
