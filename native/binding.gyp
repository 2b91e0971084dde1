{
  "targets": [
    {
      "target_name": "vt_torch",
      "sources": ["src/addon.cc", "src/cpu-cache.cc", "src/distributed.cc"],
      "include_dirs": [
        "<!(node -p \"require('node-addon-api').include_dir\")",
        "<!@(node libtorch.cjs include)"
      ],
      "libraries": [
        "-L<!(node libtorch.cjs lib)",
        "-Wl,-rpath,<!(node libtorch.cjs lib)",
        "-ltorch",
        "-ltorch_cpu",
        "-lc10"
      ],
      "cflags_cc!": ["-fno-exceptions", "-fno-rtti"],
      "cflags_cc": ["-std=c++17", "-O3", "-fexceptions"],
      "defines": ["NAPI_VERSION=8", "NAPI_CPP_EXCEPTIONS", "<!@(node libtorch.cjs distributed)"]
    }
  ]
}
