/** Types of size-budget.mjs, for the bench's size section. */
export interface BundleEntry {
  name: string;
  source: string;
  budget?: number;
}
export declare const SLUICE_BUNDLES: readonly (BundleEntry & { budget: number })[];
export declare const PEER_BUNDLES: readonly BundleEntry[];
/** One source file of a bundle and the minified bytes it contributes. */
export interface BundleInput {
  file: string;
  bytes: number;
}
export declare function measureBundle(source: string): Promise<{ minified: number; gzipped: number; inputs: BundleInput[] }>;
export declare function kB(bytes: number): string;
