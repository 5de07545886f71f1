'use strict';
// Local stand-in for @tensorflow/tfjs-node (see package.json). `upscaler/node` requires
// '@tensorflow/tfjs-node' and loads its model from file:// URLs; the real package needs
// libtensorflow (downloaded at install time), so we re-export @tensorflow/tfjs instead and register
// a file:// load router. The caller picks the backend (retouch uses tfjs-backend-wasm).
const tf = require('@tensorflow/tfjs');
const fs = require('fs');
const path = require('path');
const { fileURLToPath } = require('url');

function fileHandler(url) {
  const p = fileURLToPath(url);
  return {
    load: async () => {
      const mj = JSON.parse(fs.readFileSync(p, 'utf8'));
      const dir = path.dirname(p);
      const weightSpecs = [];
      const bufs = [];
      for (const g of mj.weightsManifest) {
        weightSpecs.push(...g.weights);
        for (const f of g.paths) bufs.push(fs.readFileSync(path.join(dir, f)));
      }
      const all = Buffer.concat(bufs);
      return {
        modelTopology: mj.modelTopology, format: mj.format, generatedBy: mj.generatedBy,
        convertedBy: mj.convertedBy, signature: mj.signature, userDefinedMetadata: mj.userDefinedMetadata,
        modelInitializer: mj.modelInitializer, trainingConfig: mj.trainingConfig,
        weightSpecs, weightData: all.buffer.slice(all.byteOffset, all.byteOffset + all.byteLength),
      };
    },
  };
}

if (!globalThis.__retouchTfFileRouter) {
  globalThis.__retouchTfFileRouter = true;
  tf.io.registerLoadRouter((url) => (typeof url === 'string' && url.startsWith('file://') ? fileHandler(url) : null));
}

module.exports = Object.assign({}, tf, {
  node: {
    decodeImage() {
      throw new Error('tf.node.decodeImage is not available in the tfjs-node shim: pass a tf.Tensor3D');
    },
  },
});
