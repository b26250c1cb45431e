// The large-object phase: one object uploaded with lib-storage's multipart Upload and once
// more with a single streamed PutObject, then downloaded, each timed while the platform's
// resident memory is sampled.
import { createReadStream } from 'node:fs';

import { PutObjectCommand, type S3Client } from '@aws-sdk/client-s3';
import { Upload } from '@aws-sdk/lib-storage';

import { sampleProcesses } from '../process-tree.js';
import { downloadObject } from './client.js';
import { ownCpuSeconds, processCpuSeconds } from './cpu-time.js';
import { megabytesPerSecond } from './file-floor.js';

/** One timed transfer of the large object. */
export interface Transfer {
  label: string;
  /** An upload counts against the raw write speed, a download against the raw read speed. */
  direction: TransferDirection;
  bytes: number;
  seconds: number;
  megabytesPerSecond: number;
  /** Highest VmRSS of the platform's own process during the transfer, in kB. */
  peakRootRssKb: number;
  /** CPU time of the harness (the SDK client) during the transfer. */
  clientCpuSeconds: number;
  /** CPU time of the platform's own process during the transfer. */
  serverCpuSeconds: number;
  error: string | undefined;
}

export type TransferDirection = 'upload' | 'download';

const RSS_SAMPLE_MS = 100;

/** Uploads `filePath` as `key` with lib-storage's Upload and its defaults: 5 MiB parts, 4 at a time. */
export async function multipartUpload(
  client: S3Client,
  bucket: string,
  key: string,
  filePath: string,
): Promise<void> {
  const upload = new Upload({
    client,
    params: { Bucket: bucket, Key: key, Body: createReadStream(filePath) },
  });
  await upload.done();
}

/** Uploads `filePath` as `key` with one PutObject whose body is a file stream. */
export async function streamedPut(
  client: S3Client,
  bucket: string,
  key: string,
  filePath: string,
  bytes: number,
): Promise<void> {
  await client.send(
    new PutObjectCommand({
      Bucket: bucket,
      Key: key,
      Body: createReadStream(filePath),
      ContentLength: bytes,
    }),
  );
}

/** Downloads `key` and fails unless it has `bytes` bytes. */
export async function download(
  client: S3Client,
  bucket: string,
  key: string,
  bytes: number,
): Promise<void> {
  const received = await downloadObject(client, bucket, key);
  if (received !== bytes) throw new Error(`GetObject returned ${received} bytes, not ${bytes}`);
}

/**
 * Times `transfer` of `bytes` bytes, samples the VmRSS of process `rootPid` every 100 ms
 * meanwhile, and reads the CPU time both sides spent. A failed transfer is returned with its error and no speed.
 */
export async function timeTransfer(
  label: string,
  direction: TransferDirection,
  bytes: number,
  rootPid: number,
  transfer: () => Promise<void>,
): Promise<Transfer> {
  let peakRootRssKb = readRootRssKb(rootPid);
  const sampler = setInterval(() => {
    peakRootRssKb = Math.max(peakRootRssKb, readRootRssKb(rootPid));
  }, RSS_SAMPLE_MS);

  const clientCpuBefore = ownCpuSeconds();
  const serverCpuBefore = processCpuSeconds(rootPid);
  const started = process.hrtime.bigint();
  let error: string | undefined;
  try {
    await transfer();
  } catch (caught) {
    error = String(caught);
  } finally {
    clearInterval(sampler);
  }
  const seconds = Number(process.hrtime.bigint() - started) / 1e9;
  peakRootRssKb = Math.max(peakRootRssKb, readRootRssKb(rootPid));
  return {
    label,
    direction,
    bytes,
    seconds,
    megabytesPerSecond: error === undefined ? megabytesPerSecond(bytes, seconds) : Number.NaN,
    peakRootRssKb,
    clientCpuSeconds: ownCpuSeconds() - clientCpuBefore,
    serverCpuSeconds: processCpuSeconds(rootPid) - serverCpuBefore,
    error,
  };
}

export function readRootRssKb(pid: number): number {
  return sampleProcesses(pid, [], { pss: false }).sample.rootRssKb;
}
