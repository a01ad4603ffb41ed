import AjvCompiler from '@fastify/ajv-compiler'
import { SerializerSelector } from '@fastify/fast-json-stringify-compiler'
import type { FastifySchemaCompiler, FastifySerializerCompiler } from 'fastify'

/**
 * fastify's own schema compilers (Ajv for requests, fast-json-stringify for responses), made
 * lazy: a route's validator or serializer is compiled the first time that route needs it, not
 * at start-up. Compiling every route's schemas eagerly cost ~200 ms of a Pi-class start and
 * several MB of idle heap for routes a householder may never call; behaviour is unchanged —
 * the same compilers, the same options, only later. `compileAll()` forces every pending
 * compile (tests use it so a broken schema still fails at once, not on a first request).
 *
 * HTTP boundary options (STYLE.md): bodies and params are never coerced and unknown properties
 * are refused, never stripped; only querystrings coerce ("?hours=5" is a string on the wire).
 */
export interface LazyCompilers {
  validatorCompiler: FastifySchemaCompiler<unknown>
  serializerCompiler: FastifySerializerCompiler<unknown>
  /** Compiles everything still pending; returns how many were compiled. */
  compileAll(): number
}

type Validate = ((data: unknown) => unknown) & { errors?: unknown }

const STRICT = { removeAdditional: false, coerceTypes: false, allErrors: false } as const
const QUERY = { ...STRICT, coerceTypes: 'array' } as const

export function createLazyCompilers(): LazyCompilers {
  const pool = AjvCompiler()
  const strict = pool({}, { customOptions: STRICT })
  const query = pool({}, { customOptions: QUERY })
  const serialize = SerializerSelector()({}, {})
  const pending = new Set<() => void>()

  const validatorCompiler: FastifySchemaCompiler<unknown> = (route) => {
    let fn: Validate | undefined
    const build = () => (fn ??= (route.httpPart === 'querystring' ? query : strict)(route as Parameters<typeof strict>[0]) as Validate)
    pending.add(build)
    // fastify reads `.errors` off the function it was given after a false result.
    const wrapper: Validate = (data) => {
      const f = build()
      const ok = f(data)
      wrapper.errors = f.errors
      return ok
    }
    return wrapper as ReturnType<FastifySchemaCompiler<unknown>>
  }

  const serializerCompiler: FastifySerializerCompiler<unknown> = (route) => {
    let fn: ((data: unknown) => string) | undefined
    const build = () => (fn ??= serialize(route as Parameters<typeof serialize>[0]) as (data: unknown) => string)
    pending.add(build)
    return (data: unknown) => build()(data)
  }

  return {
    validatorCompiler,
    serializerCompiler,
    compileAll() {
      const n = pending.size
      for (const build of pending) build()
      pending.clear()
      return n
    },
  }
}
