// The version this build reports on /api/v1/versions.
export const VERSION = { major: 0, minor: 1, revision: 0 } as const;
export const VERSION_STRING = `${VERSION.major}.${VERSION.minor}.${VERSION.revision}`;
