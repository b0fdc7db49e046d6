using RlogAgent.Tests.Support;
using System.Reflection;
using System.Reflection.Emit;

namespace RlogAgent.Tests;

/// <summary>
/// The programs' structure. No folder of either program uses a folder that uses it back (directly or through others):
/// the layers can be read, and changed, one at a time. A folder is a namespace's second part
/// (<c>RlogAgent.Collection.Parsing</c> is Collection). Uses are read from the compiled code: the
/// types a type derives from, its members' types, and every type, method and field its method
/// bodies name.
/// </summary>
[TestFixture]
public sealed class FolderDependencyTests
{
    private static readonly Dictionary<short, OpCode> OpCodesByValue = typeof(OpCodes)
        .GetFields(BindingFlags.Public | BindingFlags.Static)
        .Select(field => (OpCode)field.GetValue(null)!)
        .ToDictionary(code => code.Value);

    [TestCase(typeof(RlogAgent.Configuration.AgentOptions))]
    [TestCase(typeof(RlogServer.Configuration.ServerOptions))]
    public void NoFolder_UsesAFolderThatUsesItBack(Type anyTypeOfTheProgram)
    {
        var assembly = anyTypeOfTheProgram.Assembly;
        var root = assembly.GetName().Name == "rlog-agent" ? "RlogAgent" : "RlogServer";
        var uses = FolderUses(assembly, root);

        var cycles = uses.Keys.Select(folder => CycleThrough(folder, uses)).OfType<string>().Distinct().ToList();

        Assert.Multiple(() =>
        {
            Assert.That(uses.Keys, Has.Count.GreaterThan(4), "the folders were found");
            Assert.That(cycles, Is.Empty, string.Join("\n", uses.Select(u => $"{u.Key} -> {string.Join(", ", u.Value.Order())}")));
        });
    }

    [TestCase("RlogAgent")]
    [TestCase("RlogServer")]
    public void NoSourceFile_IsOver500Lines(string project)
    {
        var root = BuildOutput.RepoRoot();
        var sources = Directory.EnumerateFiles(Path.Combine(root, project), "*.cs", SearchOption.AllDirectories)
            .Where(path => !path.Contains($"{Path.DirectorySeparatorChar}obj{Path.DirectorySeparatorChar}", StringComparison.Ordinal)
                && !path.Contains($"{Path.DirectorySeparatorChar}bin{Path.DirectorySeparatorChar}", StringComparison.Ordinal))
            .Select(path => (Path: Path.GetRelativePath(root, path), Lines: File.ReadLines(path).Count()))
            .ToList();

        Assert.Multiple(() =>
        {
            Assert.That(sources, Has.Count.GreaterThan(20));
            Assert.That(sources.Where(s => s.Lines > 500).Select(s => $"{s.Path}: {s.Lines}"), Is.Empty, "split by job");
        });
    }

    // A path from folder back to itself, as "A -> B -> A", or null.
    private static string? CycleThrough(string folder, Dictionary<string, HashSet<string>> uses)
    {
        var path = new Stack<string>();
        var seen = new HashSet<string>();
        bool Visit(string current)
        {
            path.Push(current);
            foreach (var next in uses.GetValueOrDefault(current, []))
            {
                if (next == folder || (seen.Add(next) && Visit(next)))
                {
                    if (next == folder)
                    {
                        path.Push(next);
                    }

                    return true;
                }
            }

            path.Pop();
            return false;
        }

        return Visit(folder) ? string.Join(" -> ", path.Reverse()) : null;
    }

    private static Dictionary<string, HashSet<string>> FolderUses(Assembly assembly, string root)
    {
        var uses = new Dictionary<string, HashSet<string>>(StringComparer.Ordinal);
        foreach (var type in assembly.GetTypes())
        {
            if (Folder(type, root) is not { } from)
            {
                continue;
            }

            var named = new HashSet<Type>();
            void Add(Type? t)
            {
                while (t is not null && (t.IsArray || t.IsByRef || t.IsPointer))
                {
                    t = t.GetElementType();
                }

                if (t is null)
                {
                    return;
                }

                named.Add(t);
                if (t.IsGenericType && !t.IsGenericTypeDefinition)
                {
                    foreach (var argument in t.GetGenericArguments())
                    {
                        Add(argument);
                    }
                }
            }

            Add(type.BaseType);
            foreach (var contract in type.GetInterfaces())
            {
                Add(contract);
            }

            const BindingFlags All = BindingFlags.Public | BindingFlags.NonPublic | BindingFlags.Instance | BindingFlags.Static | BindingFlags.DeclaredOnly;
            foreach (var field in type.GetFields(All))
            {
                Add(field.FieldType);
            }

            foreach (var method in type.GetMethods(All).Cast<MethodBase>().Concat(type.GetConstructors(All)))
            {
                if (method is MethodInfo info)
                {
                    Add(info.ReturnType);
                }

                foreach (var parameter in method.GetParameters())
                {
                    Add(parameter.ParameterType);
                }

                foreach (var member in BodyMembers(method))
                {
                    Add(member as Type ?? member.DeclaringType);
                }
            }

            foreach (var target in named.Select(t => Folder(t, root)).OfType<string>().Where(f => f != from))
            {
                if (!uses.TryGetValue(from, out var set))
                {
                    uses[from] = set = new HashSet<string>(StringComparer.Ordinal);
                }

                set.Add(target);
            }
        }

        return uses;
    }

    // The folder of a type of this program (its outermost type's namespace, second part), or null.
    private static string? Folder(Type type, string root)
    {
        while (type.DeclaringType is not null)
        {
            type = type.DeclaringType;
        }

        var parts = (type.Namespace ?? "").Split('.');
        return parts.Length >= 2 && parts[0] == root ? parts[1] : null;
    }

    // Every type, method and field a method body names (call, newobj, ldfld, ldtoken, ...).
    private static IEnumerable<MemberInfo> BodyMembers(MethodBase method)
    {
        byte[]? il;
        try
        {
            il = method.GetMethodBody()?.GetILAsByteArray();
        }
        catch (Exception ex) when (ex is InvalidOperationException or BadImageFormatException)
        {
            yield break;
        }

        if (il is null)
        {
            yield break;
        }

        var genericTypes = method.DeclaringType?.IsGenericType == true ? method.DeclaringType.GetGenericArguments() : null;
        var genericMethods = method.IsGenericMethod ? method.GetGenericArguments() : null;
        var at = 0;
        while (at < il.Length)
        {
            short value = il[at++];
            if (value == 0xFE && at < il.Length)
            {
                value = (short)(0xFE00 | il[at++]);
            }

            if (!OpCodesByValue.TryGetValue(value, out var code))
            {
                yield break;
            }

            switch (code.OperandType)
            {
                case OperandType.InlineMethod:
                case OperandType.InlineField:
                case OperandType.InlineType:
                case OperandType.InlineTok:
                    var token = BitConverter.ToInt32(il, at);
                    at += 4;
                    MemberInfo? member = null;
                    try
                    {
                        member = method.Module.ResolveMember(token, genericTypes, genericMethods);
                    }
                    catch (Exception ex) when (ex is ArgumentException or BadImageFormatException or TypeLoadException or MissingMemberException)
                    {
                        // A member the runtime cannot resolve here is not one of this program's.
                    }

                    if (member is not null)
                    {
                        yield return member;
                    }

                    break;
                case OperandType.InlineSwitch:
                    var count = BitConverter.ToInt32(il, at);
                    at += 4 + (4 * count);
                    break;
                case OperandType.ShortInlineBrTarget:
                case OperandType.ShortInlineI:
                case OperandType.ShortInlineVar:
                    at += 1;
                    break;
                case OperandType.InlineVar:
                    at += 2;
                    break;
                case OperandType.InlineI8:
                case OperandType.InlineR:
                    at += 8;
                    break;
                case OperandType.InlineNone:
                    break;
                default:
                    at += 4;
                    break;
            }
        }
    }
}
