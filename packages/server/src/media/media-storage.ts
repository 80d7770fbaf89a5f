import { createReadStream } from 'node:fs';
import { copyFile, mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join, resolve, sep } from 'node:path';
import type { Readable } from 'node:stream';
import { randomUUID } from 'node:crypto';

/** A stored file opened for reading. */
export interface MediaObject {
  stream: Readable;
  size: number;
}

/**
 * Where recording files live. Keys are relative, `/`-separated names of `[A-Za-z0-9._-]` segments
 * (e.g. `recordings/<project>/<recording>.mp4`). The local directory fills it; an object store
 * (S3 and the like) can: put → PutObject, putFile → a multipart upload streamed from the file,
 * then removing the file; open → GetObject (stream + ContentLength), delete → DeleteObject.
 */
export interface MediaStorage {
  /** Stores `data` under `key`, replacing what was there; returns the size written. */
  put(key: string, data: Uint8Array): Promise<{ size: number }>;
  /**
   * Takes the local file at `path` (a finished recording) under `key`, replacing what was there;
   * the file is gone from `path` afterwards. Returns the size stored.
   */
  putFile(key: string, path: string): Promise<{ size: number }>;
  /** The file, or undefined when there is none. */
  open(key: string): Promise<MediaObject | undefined>;
  /** Removes the file; a missing file is not an error. */
  delete(key: string): Promise<void>;
  /** Removes every file whose key starts with `prefix/` (an object store: list, then delete). */
  deleteAll(prefix: string): Promise<void>;
}

const KEY = /^[A-Za-z0-9_-][A-Za-z0-9._-]*(?:\/[A-Za-z0-9_-][A-Za-z0-9._-]*)*$/;

/** Throws for a key that could leave the storage root (`..`, absolute paths, odd characters). */
export function checkMediaKey(key: string): string {
  if (!KEY.test(key) || key.split('/').some((s) => s === '.' || s === '..')) {
    throw new Error(`invalid media key ${JSON.stringify(key)}`);
  }
  return key;
}

/** MediaStorage in a local directory (`CONCLAVE_MEDIA_DIR`, default `./data/media`). */
export class LocalMediaStorage implements MediaStorage {
  readonly root: string;

  constructor(root: string) {
    this.root = resolve(root);
  }

  private path(key: string): string {
    const path = resolve(this.root, ...checkMediaKey(key).split('/'));
    if (!path.startsWith(this.root + sep)) throw new Error('media key outside the root');
    return path;
  }

  async put(key: string, data: Uint8Array): Promise<{ size: number }> {
    const path = this.path(key);
    await mkdir(dirname(path), { recursive: true });
    // Write then rename, so a reader never sees half a file.
    const temporary = join(dirname(path), `.${randomUUID()}.part`);
    await writeFile(temporary, data);
    await rename(temporary, path);
    return { size: data.byteLength };
  }

  async putFile(key: string, path: string): Promise<{ size: number }> {
    const target = this.path(key);
    await mkdir(dirname(target), { recursive: true });
    const { size } = await stat(path);
    try {
      // The same file system (the recordings' work directory is inside the root): one rename.
      await rename(path, target);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EXDEV') throw error;
      // Another file system: copied beside the target, then renamed over it.
      const temporary = join(dirname(target), `.${randomUUID()}.part`);
      try {
        await copyFile(path, temporary);
        await rename(temporary, target);
      } finally {
        await rm(temporary, { force: true });
      }
      await rm(path, { force: true });
    }
    return { size };
  }

  async open(key: string): Promise<MediaObject | undefined> {
    const path = this.path(key);
    try {
      const info = await stat(path);
      if (!info.isFile()) return undefined;
      return { stream: createReadStream(path), size: info.size };
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
      throw error;
    }
  }

  async delete(key: string): Promise<void> {
    await rm(this.path(key), { force: true });
  }

  async deleteAll(prefix: string): Promise<void> {
    await rm(this.path(prefix), { recursive: true, force: true });
  }
}
