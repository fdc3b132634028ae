// @sluice/bandwidth: token buckets for streamed responses: per-connection and global limits,
// burst and peak rate (the tc-tbf model), fair sharing between streams.
export { TokenBucket } from './token-bucket.js';
export type { RateLimit, TokenBucketOptions } from './token-bucket.js';
export { BandwidthLimiter, createBandwidthLimiter } from './limiter.js';
export type { BandwidthLimiterOptions, BandwidthConfig, BandwidthServerConfig } from './limiter.js';
export { throttle } from './throttle.js';
export type { ThrottleOptions } from './throttle.js';
export type { RateSpec } from './rate.js';
export { BYTES_PER_MBPS, MIN_MBPS, MAX_MBPS, MIN_BURST_BYTES, MAX_BURST_BYTES } from './rate.js';
export type { Clock } from './clock.js';
export { InvalidRateError } from './errors.js';
