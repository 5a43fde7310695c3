{
  "targets": [
    {
      "target_name": "blas_matmul",
      "sources": ["blas_matmul.c"],
      "cflags": ["-O3", "-std=c11", "-fno-math-errno", "-fno-trapping-math"],
      "conditions": [
        [
          "OS=='mac'",
          {
            "libraries": ["-framework Accelerate"],
            "xcode_settings": { "OTHER_CFLAGS": ["-O3", "-std=c11", "-fno-math-errno", "-fno-trapping-math"] }
          },
          { "libraries": ["-lopenblas"] }
        ]
      ]
    }
  ]
}
