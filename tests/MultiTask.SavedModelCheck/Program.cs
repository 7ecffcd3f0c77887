using System.Globalization;
using MultiTask.Saving;

// Usage: MultiTask.SavedModelCheck <model file> <csv file> <output file>
// Loads the model file in a process that never saw the model being built, predicts every row of the CSV file, and
// writes each task's predictions as the hexadecimal bits of the floats, one line per task, so the parent test can
// require them to equal its own predictions bit for bit.
if (args.Length != 3)
{
    Console.Error.WriteLine("usage: MultiTask.SavedModelCheck <model file> <csv file> <output file>");
    return 2;
}
var predictor = ModelFile.Load(args[0]);
var predictions = predictor.PredictCsv(args[1]);
File.WriteAllText(args[2], string.Join("\n", predictions.Select(p =>
    $"{p.Key}: {string.Join(" ", p.Value.ToArray().Select(v => BitConverter.SingleToInt32Bits(v).ToString("x8", CultureInfo.InvariantCulture)))}")));
return 0;
