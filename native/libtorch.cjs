// Where libtorch's headers and libraries are, for binding.gyp: the folder named by $LIBTORCH
// (the layout of the official libtorch archives), else Debian's libtorch-dev under /usr.
// `node libtorch.cjs include|lib|distributed|check` prints one answer; `check` exits 1 when
// missing. `distributed`: the defines that build c10d's Gloo collectives, when Gloo's headers
// (libgloo-dev) are there to compile them.
const fs = require('node:fs');
const path = require('node:path');

function locate() {
  const root = process.env.LIBTORCH;
  if (root) {
    return {
      include: [path.join(root, 'include'), path.join(root, 'include/torch/csrc/api/include')],
      lib: path.join(root, 'lib'),
      marker: path.join(root, 'include/ATen/ATen.h'),
    };
  }
  return {
    include: ['/usr/include', '/usr/include/torch/csrc/api/include'],
    lib: '/usr/lib/x86_64-linux-gnu',
    marker: '/usr/include/ATen/ATen.h',
  };
}

const where = locate();
const what = process.argv[2];
if (what === 'include') console.log(where.include.join(' '));
else if (what === 'lib') console.log(where.lib);
else if (what === 'distributed') {
  const gloo = where.include.some((dir) => fs.existsSync(path.join(dir, 'gloo', 'algorithm.h')));
  console.log(gloo ? 'VT_DISTRIBUTED=1 USE_DISTRIBUTED USE_C10D_GLOO' : 'VT_DISTRIBUTED=0');
} else if (what === 'check') {
  if (!fs.existsSync(where.marker)) {
    console.log(`libtorch headers not found (${where.marker})`);
    process.exit(1);
  }
  console.log(`libtorch headers at ${path.dirname(path.dirname(where.marker))}`);
}
