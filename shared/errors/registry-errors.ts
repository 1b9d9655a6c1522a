import { ERROR_CODE } from './codes.js';
import { NoxError } from './nox-error.js';

/**
 * Errors of the registry, each with a stable code. Client mistakes are 4xx: a path that
 * would leave the registry, an unknown commit, a merge that conflicts.
 */

/** 400: a path or file reference that is not allowed (traversal, bad id, bad date). */
export class RegistryPathError extends NoxError {
  constructor(message: string) {
    super(ERROR_CODE.registryPathInvalid, message);
  }
}

/**
 * 422: a registry file that does not parse or does not match its schema. Names the file
 * and (when known) the line, so a person who hand-edited it can fix it. Nothing is
 * overwritten while a file is in this state: writes to it fail with this error too.
 */
export class RegistryFileInvalidError extends NoxError {
  readonly file: string;
  readonly line: number | undefined;
  constructor(file: string, line: number | undefined, detail: string) {
    super(ERROR_CODE.registryFileInvalid, `${file}${line ? `:${line}` : ''}: ${detail}`, { extensions: { file, line: line ?? null } });
    this.file = file;
    this.line = line;
  }
}

/** 422: the writer refused a change (e.g. it does not apply to the file as it is). */
export class RegistryChangeError extends NoxError {
  constructor(message: string, cause?: unknown) {
    super(ERROR_CODE.registryChangeFailed, message, { cause });
  }
}

/** 404: no such commit, branch or point in history. */
export class RegistryRefNotFoundError extends NoxError {
  constructor(what: string) {
    super(ERROR_CODE.registryRefNotFound, `${what} not found in the registry history`);
  }
}

/** 409: a merge or branch operation that conflicts with the current state. */
export class RegistryConflictError extends NoxError {
  constructor(message: string) {
    super(ERROR_CODE.registryConflict, message);
  }
}

/** 409: backup asked for but no remote is configured (`registry.backup_remote`). */
export class RegistryNoRemoteError extends NoxError {
  constructor() {
    super(ERROR_CODE.registryNoRemote, 'No backup remote is configured (registry.backup_remote)');
  }
}

/**
 * A hand-edited tasks.md that does not parse, with the line that does not. A plain Error,
 * not a NoxError: it never reaches the API — the task watcher refuses the edit and says so
 * in a `task.edit-error` event naming the line.
 */
export class TaskMarkdownError extends Error {
  constructor(
    readonly line: number,
    message: string,
  ) {
    super(`line ${line}: ${message}`);
  }
}

/**
 * 403: a history operation (rollback, branch switch, merge) by someone other than an admin
 * whose diff touches an admin-only file (shared/registry/admin-only-files.ts). Nothing was changed.
 */
export class AdminOnlyChangeError extends NoxError {
  constructor(what: string, files: readonly string[]) {
    super(ERROR_CODE.adminOnlyChange, `${what} would change ${files.join(', ')}, which only an admin may change (system settings, users, policy); nothing was changed — an admin may do it, or limit a rollback to other paths with \`path\``, {
      extensions: { files },
    });
  }
}

/** 503: this process reads the registry from Redis, and no writer has published it yet. */
export class RegistryNotPublishedError extends NoxError {
  constructor() {
    super(ERROR_CODE.registryNotPublished, 'the registry writer has not published the registry to Redis yet; start `nox up` or `nox worker --registry-writer` on the machine that holds the registry folder');
  }
}
