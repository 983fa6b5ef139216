/** dependency-cruiser rules for `npm run check` (scripts/check-circles.mjs). */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'No import circle in any package, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'contract-types-are-a-leaf',
      comment: "core's types/ (Middleware, Context, RequestOptions, the option types) imports nothing outside types/.",
      severity: 'error',
      from: { path: '^packages/core/src/types/' },
      to: { pathNot: '^packages/core/src/types/' },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: 'node_modules' },
    exclude: { path: ['node_modules', '/dist/'] },
    tsConfig: { fileName: 'tsconfig.base.json' },
    enhancedResolveOptions: { conditionNames: ['@sluice/source', 'import', 'types', 'default'] },
  },
};
