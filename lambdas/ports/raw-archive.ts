/** Durable store of raw deliveries, written before a delivery is acknowledged. */
export interface RawArchive {
  /** Stores the body under a key and returns a reference (an `s3://` or `file://` URI). */
  put(key: string, body: string, metadata: Record<string, string>): Promise<string>;
}
