// Form schemas shared by server and browser (Conform validates with the same schema on both).
import { z } from 'zod'
import { MAX_TOKEN_DAYS } from './limits'

export const MIN_PASSWORD_LENGTH = 12

export const newPasswordSchema = z
  .string({ required_error: 'Choose a password' })
  .min(MIN_PASSWORD_LENGTH, `Use at least ${MIN_PASSWORD_LENGTH} characters`)
  .max(200, 'Use at most 200 characters')

export const changePasswordSchema = z
  .object({
    currentPassword: z.string({ required_error: 'Enter your current password' }),
    newPassword: newPasswordSchema,
    confirmPassword: z.string({ required_error: 'Repeat the new password' }),
  })
  .refine((value) => value.newPassword === value.confirmPassword, {
    path: ['confirmPassword'],
    message: 'The two passwords differ',
  })

export const createTokenSchema = z.object({
  name: z.string({ required_error: 'Name the token' }).trim().min(1, 'Name the token').max(80, 'Use at most 80 characters'),
  scope: z.enum(['read', 'read+write'], { required_error: 'Choose a scope', invalid_type_error: 'Choose a scope' }),
  days: z.coerce
    .number({ required_error: 'Choose how long it lasts', invalid_type_error: 'Enter a number of days' })
    .int('Enter a whole number of days')
    .min(1, 'At least 1 day')
    .max(MAX_TOKEN_DAYS, `At most ${MAX_TOKEN_DAYS} days (one year)`),
})

export const loginSchema = z.object({
  email: z.string({ required_error: 'Enter your email' }).trim().email('Enter a valid email address'),
  password: z.string({ required_error: 'Enter your password' }).max(1000),
  redirectTo: z.string().optional(),
  // A honeypot: people leave it empty, form-filling bots do not.
  website: z.string().max(0, 'Leave this field empty').optional(),
})
