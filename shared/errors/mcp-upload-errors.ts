import { ERROR_CODE } from './codes.js';
import { NoxError } from './nox-error.js';

/** 400: an uploaded image tar that is not an image archive; the message says why (docs/MCP.md, "Uploading an image"). */
export class McpUploadInvalidError extends NoxError {
  constructor(why: string) {
    super(ERROR_CODE.mcpUploadInvalid, `The upload is not a usable image archive: ${why}`);
  }
}

/** 413: over `mcp.upload_max_mb`. */
export class McpUploadTooLargeError extends NoxError {
  constructor(limitMb: number) {
    super(ERROR_CODE.mcpUploadTooLarge, `The image archive is over the ${limitMb} MiB upload limit (mcp.upload_max_mb)`);
  }
}

/** 507: the upload folder's disk is full (ENOSPC); the partial file is removed. */
export class McpUploadNoSpaceError extends NoxError {
  constructor(folder: string, cause?: unknown) {
    super(ERROR_CODE.mcpUploadNoSpace, `No space left for the upload in ${folder}; free space there or set mcp.upload_dir`, { cause });
  }
}

export class McpUploadNotFoundError extends NoxError {
  constructor(id: string) {
    super(ERROR_CODE.mcpUploadNotFound, `No image upload ${id} (or it expired)`);
  }
}

/** 403: a download token that is wrong, used or expired (single-use, short-lived). */
export class McpUploadTokenError extends NoxError {
  constructor() {
    super(ERROR_CODE.mcpUploadTokenInvalid, 'The upload download token is wrong, already used or expired');
  }
}
