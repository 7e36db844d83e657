"""Reading plan appendices and unit registers (.xlsx, .csv, .yaml) into plain rows."""
