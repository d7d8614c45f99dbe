// Types of the validators scripts/build-validators.mjs generates from src/schemas at build time.
export interface ValidationError {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
}
export interface Validator {
  (data: unknown): boolean;
  errors?: ValidationError[] | null;
}
export const validateSpec: Validator;
export const validatePolicy: Validator;
