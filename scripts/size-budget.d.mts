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
/** Bundles `source` from the sources, or with `flat` from each package as one flat file (as published). */
export declare function measureBundle(source: string, options?: { flat?: boolean }): Promise<{ minified: number; gzipped: number; inputs: BundleInput[] }>;
export declare function kB(bytes: number): string;
