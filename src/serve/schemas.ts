// The JSON schemas of the routes: fastify validates requests with them, and @fastify/swagger
// builds /openapi.json from them (openapi.ts adds the image body types fastify cannot validate).

const errorBody = {
  type: 'object',
  properties: {
    error: {
      type: 'object',
      properties: { code: { type: 'string' }, message: { type: 'string' } },
      required: ['code', 'message'],
    },
  },
} as const;

const modelSummary = {
  type: 'object',
  additionalProperties: true,
  properties: {
    name: { type: 'string' },
    task: { type: 'string', enum: ['classification', 'detection', 'segmentation', 'multitask'] },
    engine: { type: 'string', enum: ['onnx', 'tfjs'] },
    labels: { type: 'array', items: { type: 'string' } },
  },
} as const;

const nameParam = {
  type: 'object',
  properties: { name: { type: 'string', description: 'the NAME of --model NAME=BUNDLE' } },
  required: ['name'],
} as const;

export const listModelsSchema = {
  summary: 'the models served',
  response: {
    200: {
      type: 'object',
      properties: { models: { type: 'array', items: modelSummary } },
    },
  },
};

export const describeModelSchema = {
  summary: 'one model: task, labels, input size and preprocessing, output',
  params: nameParam,
  response: { 200: modelSummary, 404: errorBody },
};

const errors = Object.fromEntries(
  [400, 401, 404, 413, 415, 422, 429, 503].map((status) => [status, errorBody]),
);

/** The JSON form of the body; raw image bytes and multipart are added for the docs (openapi.ts). */
export const jsonImages = {
  type: 'object',
  properties: {
    images: {
      type: 'array',
      minItems: 1,
      items: {
        type: 'string',
        description: 'an image file, base64 (a data: URL prefix is allowed)',
      },
    },
  },
  required: ['images'],
} as const;

export const predictSchema = {
  summary: 'predict on one or several images',
  description:
    'Body: the raw bytes of one image (Content-Type image/* or application/octet-stream), multipart/form-data with one file part per image, or JSON {"images": [base64, …]}. Results per image, in order: classification {classes: [{label, index, probability}]} (multi-label: sigmoid probabilities, and present: the classes at or above the threshold), detection {width, height, boxes: [{bbox: [x, y, w, h] in image pixels, label, category, score}]}, segmentation {width, height, mode, classShares, mask: {format: "png", encoding: "base64", data}} (pixel value = class index); multitask {tasks: {<task name>: the result of its kind as above}}, every task from one forward pass per batch.',
  params: nameParam,
  querystring: {
    type: 'object',
    properties: {
      top: {
        type: 'integer',
        minimum: 1,
        maximum: 1000,
        default: 5,
        description: 'classes per image (classification)',
      },
    },
  },
  body: { content: { 'application/json': { schema: jsonImages } } },
  response: {
    200: {
      type: 'object',
      properties: {
        model: { type: 'string' },
        task: { type: 'string' },
        results: { type: 'array', items: { type: 'object', additionalProperties: true } },
      },
    },
    ...errors,
  },
};

export const healthSchema = {
  summary: 'the process is alive',
  response: { 200: { type: 'object', properties: { status: { type: 'string' } } } },
};

export const readySchema = {
  summary: 'every model is loaded and the server is not shutting down',
  response: {
    200: { type: 'object', additionalProperties: true },
    503: { type: 'object', additionalProperties: true },
  },
};
