/**
 * The values of a page's form fields (AcroForm widgets). A filled-in form often has no text layer for what was
 * typed into it: the values live in the fields, drawn by the viewer. They are read from the annotations and
 * written as `Label: value` lines, so a form-only page does not come back empty.
 */
import type { PDFPageProxy } from 'pdfjs-dist/types/src/display/api.js'

interface WidgetAnnotation {
  subtype?: string
  fieldType?: string
  fieldName?: string
  fieldValue?: unknown
  alternativeText?: string
  checkBox?: boolean
  radioButton?: boolean
  buttonValue?: string
  exportValue?: string
  pushButton?: boolean
  options?: Array<{ exportValue?: string; displayValue?: string }>
  rect?: number[]
}

/** A filled-in field: the label a reader sees (tooltip, else the field's name) and its value. */
export interface FormField {
  label: string
  value: string
}

function text(value: unknown): string {
  if (Array.isArray(value)) return value.map(text).filter(Boolean).join(', ')
  return typeof value === 'string' ? value.replace(/\s+/g, ' ').trim() : ''
}

function fieldValue(widget: WidgetAnnotation): string {
  if (widget.pushButton) return ''
  if (widget.checkBox) {
    const value = text(widget.fieldValue)
    return value !== '' &&
      value !== 'Off' &&
      (widget.exportValue === undefined || value === widget.exportValue)
      ? 'Yes'
      : ''
  }
  if (widget.radioButton) {
    const value = text(widget.fieldValue)
    return value !== '' && value !== 'Off' && value === widget.buttonValue ? value : ''
  }
  const value = text(widget.fieldValue)
  // A choice shows its display text, which may differ from the exported value.
  const option = widget.options?.find((entry) => entry.exportValue === value)
  return option?.displayValue ? text(option.displayValue) : value
}

/** The filled-in fields of a page, top to bottom; fields without a value are left out. */
export async function readFormFields(page: PDFPageProxy): Promise<FormField[]> {
  let annotations: WidgetAnnotation[]
  try {
    annotations = (await page.getAnnotations({ intent: 'display' })) as WidgetAnnotation[]
  } catch {
    return []
  }
  const fields: Array<FormField & { top: number; left: number }> = []
  const seen = new Set<string>()
  for (const widget of annotations) {
    if (widget.subtype !== 'Widget') continue
    const value = fieldValue(widget)
    if (value === '') continue
    const label = text(widget.alternativeText) || text(widget.fieldName) || 'Field'
    // A field shown on several widgets (radio buttons, repeated fields) is written once.
    const key = `${label}\u0000${value}`
    if (seen.has(key)) continue
    seen.add(key)
    const [left = 0, , , top = 0] = widget.rect ?? []
    fields.push({ label, value, top, left })
  }
  return fields.sort((a, b) => b.top - a.top || a.left - b.left).map(({ label, value }) => ({ label, value }))
}

/** The fields as markdown: one `Label: value` line each. */
export function formFieldsToMarkdown(fields: FormField[]): string {
  return fields.map((field) => `${field.label.replace(/:$/, '')}: ${field.value}`).join('\n\n')
}
