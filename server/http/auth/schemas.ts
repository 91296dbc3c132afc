import { Type } from 'typebox';
import { TOKEN_ROLES } from '../../store/sessions.js';
import { PASSWORD_MAX, ROLES } from '../../store/users.js';

// Shapes of the auth and admin routes. Response schemas list every field sent, so nothing else
// (a password hash, a token's hash) can leak into an answer by accident.

const Nullable = <T extends Parameters<typeof Type.Union>[0][number]>(schema: T) =>
  Type.Union([schema, Type.Null()]);
const Time = Type.String({ format: 'date-time' });

export const Role = Type.Enum(ROLES);
export const TokenRole = Type.Enum(TOKEN_ROLES);
const UserName = Type.String({ minLength: 1, maxLength: 64 });
const Password = Type.String({ minLength: 1, maxLength: PASSWORD_MAX });

export const LoginInfo = Type.Object({
  /** No user exists yet: the web app offers to create the first admin with the setup token. */
  setupRequired: Type.Boolean(),
});

export const LoginBody = Type.Object({ name: UserName, password: Password }, { additionalProperties: false });

export const SetupBody = Type.Object(
  { token: Type.String({ minLength: 1, maxLength: 200 }), name: UserName, password: Password },
  { additionalProperties: false },
);

export const PasswordChangeBody = Type.Object(
  { currentPassword: Password, newPassword: Password },
  { additionalProperties: false },
);

export const Me = Type.Object({
  id: Nullable(Type.Integer()),
  name: Type.String(),
  role: TokenRole,
});

export const SessionBody = Type.Object({
  user: Me,
  /** How the caller authenticated. */
  via: Type.Enum(['session', 'token']),
  /** Send it back in X-CSRF-Token with every change (sessions only). */
  csrfToken: Nullable(Type.String()),
  expiresAt: Nullable(Time),
});

export const UserBody = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  role: Role,
  createdAt: Time,
  passwordChangedAt: Time,
  /** Live browser sessions. */
  sessions: Type.Integer(),
});

export const UsersResponse = Type.Object({ users: Type.Array(UserBody) });

export const NewUserBody = Type.Object(
  { name: UserName, role: Role, password: Password },
  { additionalProperties: false },
);

export const UserPatchBody = Type.Object({ role: Role }, { additionalProperties: false });

export const PasswordSetBody = Type.Object({ password: Password }, { additionalProperties: false });

export const IdParams = Type.Object({ id: Type.Integer({ minimum: 1 }) });

export const TokenBody = Type.Object({
  id: Type.Integer(),
  name: Type.String(),
  role: TokenRole,
  prefix: Type.String(),
  createdAt: Time,
  createdBy: Type.String(),
  expiresAt: Nullable(Time),
  lastUsedAt: Nullable(Time),
  revokedAt: Nullable(Time),
});

export const TokensResponse = Type.Object({ tokens: Type.Array(TokenBody) });

export const NewTokenBody = Type.Object(
  {
    name: Type.String({ minLength: 1, maxLength: 64 }),
    role: TokenRole,
    expiresInDays: Type.Optional(Type.Integer({ minimum: 1, maximum: 3650 })),
  },
  { additionalProperties: false },
);

export const CreatedToken = Type.Object({
  ...TokenBody.properties,
  /** The token itself: shown this once, stored only as a hash. */
  token: Type.String(),
});

export const AuditQuery = Type.Object({
  limit: Type.Optional(Type.Integer({ minimum: 1, maximum: 500, default: 100 })),
  before: Type.Optional(Type.Integer({ minimum: 1 })),
});

export const AuditResponse = Type.Object({
  entries: Type.Array(
    Type.Object({
      id: Type.Integer(),
      at: Time,
      actorKind: Type.Enum(['user', 'token', 'cli', 'setup', 'anonymous']),
      actor: Type.String(),
      action: Type.String(),
      target: Nullable(Type.String()),
      status: Nullable(Type.Integer()),
      ip: Nullable(Type.String()),
      detail: Nullable(Type.Record(Type.String(), Type.Unknown())),
    }),
  ),
  /** Pass as `before` for the next (older) page; null at the end. */
  next: Nullable(Type.Integer()),
});
